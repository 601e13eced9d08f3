/**
 * Adoption of a backup whose replica died mid-way: the backup is still
 * Running or Restoring in the store, its Job (named from the run kept with
 * it) may still be running in the cluster. The adopting replica follows the
 * Job to its end and records what the dead one would have:
 *
 * - the Job succeeded → a backup is Completed with the size from the pod's
 *   termination message (and `save-on` is sent, in case the dead replica
 *   had sent `save-off`); a restore is Completed with BackupRestored, and
 *   the server is started when the restore was asked as stop → restore → start;
 * - the Job failed or its pod cannot start → a backup is Failed; a restore
 *   is RestoreFailed;
 * - no Job (it was never made, or it is gone) → the same, "interrupted".
 *
 * A restore that did not end in BackupRestored never starts the server: the
 * world may be half written, so RestoreFailed says the server was left
 * stopped, for a person to restore again or start it.
 */
import { toError } from "../../engine/errors.ts";
import { readJob } from "../../kube/jobs.ts";
import { backupJobName, type BackupOperation } from "../../resources/backup-job.ts";
import { findTemplate } from "../../templates/registry.ts";
import type { AdoptedBackup } from "../store/backup-store.ts";
import type { StackRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import {
  awaitBackupJob,
  backupJobRequest,
  isLive,
  type BackupTiming,
  type JobWatch,
} from "./backup-job-run.ts";
import { awaitSnapshot } from "./snapshot-backup.ts";
import { backupEvent } from "./backup-event.ts";
import type { GameService } from "./game-service.ts";
import type { PowerService } from "./power-service.ts";

/** What adopting needs of the backup service that adopts. */
export interface AdoptionContext {
  readonly store: Store;
  readonly game: GameService;
  readonly power: PowerService;
  readonly timing: BackupTiming;
  /** This replica's name: the adopted backup's lease is held under it. */
  readonly holder: string;
  readonly watch: (backupId: string) => JobWatch;
  /** The error means the work was given up (halted, lease lost): record nothing. */
  readonly abandoned: (e: unknown) => boolean;
}

/** Why an adopted backup's Job is not followed. */
const interrupted = "interrupted: the control plane replica running it stopped, and its Job is gone";

/** Follows the Job of an adopted backup to its end and records the outcome (see the file's comment). */
export async function adoptBackup(ctx: AdoptionContext, adopted: AdoptedBackup): Promise<void> {
  const { backup } = adopted;
  const operation: BackupOperation = backup.status === "Restoring" ? "restore" : "backup";
  const stack = await ctx.store.stacks.get(backup.stackId);
  const started =
    operation === "restore" ? await restoreStarted(ctx.store, backup.stackId, backup.id) : undefined;
  const actor = started?.actor ?? backup.createdBy;
  const note = { backupId: backup.id, adopted: true, adoptedBy: ctx.holder };
  let outcome: { size: number | undefined } | { error: string };
  try {
    outcome = { size: await followJob(ctx, stack, adopted, operation) };
  } catch (e: unknown) {
    if (ctx.abandoned(e)) return;
    outcome = { error: toError(e).message };
  }
  const on = { id: backup.stackId };
  if (operation === "backup") {
    const size = "size" in outcome ? outcome.size : undefined;
    await ctx.store.backups.finish(
      backup.id,
      ctx.holder,
      "error" in outcome
        ? {
            status: "Failed",
            message: outcome.error,
            events: [backupEvent(on, actor, "BackupFailed", { ...note, message: outcome.error })],
          }
        : {
            status: "Completed",
            ...(size !== undefined ? { sizeBytes: size } : {}),
            events: [backupEvent(on, actor, "BackupCompleted", { ...note, sizeBytes: size ?? null })],
          },
    );
    if (stack && findTemplate(stack.template)?.game?.console?.replies === true && stack.power === "Running")
      await ctx.game.console(stack.id, { command: "save-on" }, actor).catch(() => undefined);
    return;
  }
  if ("error" in outcome) {
    const message = `${outcome.error}; the world may be half restored, so the server was left stopped: restore again, or start it`;
    await ctx.store.backups.finish(backup.id, ctx.holder, {
      status: "Completed",
      events: [backupEvent(on, actor, "RestoreFailed", { ...note, step: "restore", message })],
    });
    return;
  }
  const finished = await ctx.store.backups.finish(backup.id, ctx.holder, {
    status: "Completed",
    events: [backupEvent(on, actor, "BackupRestored", note)],
  });
  if (finished && stack && started?.stopFirst === true)
    await ctx.power.run(stack.id, "start", actor).catch(() => undefined);
}

/** The adopted backup's Job followed to its end: its archive's size, or throws why it did not succeed. */
async function followJob(
  ctx: AdoptionContext,
  stack: StackRecord | undefined,
  { backup, run }: AdoptedBackup,
  operation: BackupOperation,
): Promise<number | undefined> {
  if (!stack || run === null) throw new Error(interrupted);
  const client = await ctx.game.clusters.clientFor(stack.cluster);
  // A snapshot being taken has no Job: its VolumeSnapshot is followed instead (a restore's Job is named as an archive's).
  if (backup.snapshot && operation === "backup")
    return awaitSnapshot(client, stack.namespace, backup.snapshot.name, ctx.timing);
  if (!isLive(await readJob(client, stack.namespace, backupJobName(operation, backup.id, run))))
    throw new Error(interrupted);
  const request = backupJobRequest({ stack, backup, operation, run, besideServer: false });
  return awaitBackupJob(client, request, ctx.timing, ctx.watch(backup.id));
}

/** Who asked for the backup's latest restore, and whether as stop → restore → start. */
async function restoreStarted(
  store: Store,
  stackId: string,
  backupId: string,
): Promise<{ actor: string; stopFirst: boolean } | undefined> {
  const events = await store.events({ stackId, types: ["RestoreStarted"], limit: 50 });
  const e = events.find((x) => x.data["backupId"] === backupId);
  return e ? { actor: e.actor, stopFirst: e.data["stopFirst"] === true } : undefined;
}
