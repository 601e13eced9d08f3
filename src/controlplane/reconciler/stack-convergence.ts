/**
 * The apply path shared by the direct reconciler and the agent: both hold a
 * desired Stack resource and the live one, and both write it the same way
 * (same field manager, compare before write, the same drift reversal), so a
 * cluster converted from direct to agent sees no change and no redeploy.
 */
import type { Stack } from "../../api/stack.ts";
import { needsApply, withAppliedHash } from "../../kube/desired-state.ts";
import { appliedGenerationOf, controlPlaneFieldManager } from "../stack-resource.ts";
import { foreignSpecEdit, removalPatch } from "./stack-drift.ts";
import type { StackWriter } from "./stack-writer.ts";

/** Another field manager's edit of the Stack's spec: the fields and who made it. */
export interface ForeignEdit {
  readonly fields: string[];
  readonly actor: string;
}

/**
 * The out-of-band edit of a live Stack that carries the desired generation,
 * or undefined (none, or the Stack is being deleted or not yet at that
 * generation: then it is applied, not reverted).
 */
export function editOf(desired: Stack, live: Stack | undefined, generation: number): ForeignEdit | undefined {
  if (!live || live.metadata.deletionTimestamp || appliedGenerationOf(live) !== generation) return undefined;
  return foreignSpecEdit(desired, live, controlPlaneFieldManager);
}

/** Puts the desired spec back: drops the keys others added (guarded by UID), then re-applies ours in full. */
export async function revertEdit(writer: StackWriter, desired: Stack, live: Stack): Promise<void> {
  const patch = removalPatch(desired, live);
  if (patch) await writer.mergePatch(live, patch);
  await writer.apply(desired, undefined, true);
}

/**
 * Server-side applies `desired` when it differs from `live` (no request when
 * it matches). Returns the live Stack after, and whether it wrote.
 */
export async function applyIfChanged(
  writer: StackWriter,
  desired: Stack,
  live: Stack | undefined,
  enforce: boolean,
): Promise<{ live: Stack | undefined; applied: boolean }> {
  if (!needsApply(withAppliedHash(desired), live, enforce)) return { live, applied: false };
  return { live: await writer.apply(desired, live, enforce), applied: true };
}
