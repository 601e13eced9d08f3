import type { DriftRecord } from "../../../api/stack.ts";
import { findDrift } from "../find-drift.ts";
import { recordDetected } from "../drift-ledger.ts";
import { proceed, type Phase, type StackDeps, type StackEvent, type StackPass } from "../stack-pass.ts";
import { recordEvent, writeStackStatus } from "./write-status.ts";

/**
 * Detect drift, before anything is applied: the children deleted or changed by others since the
 * last pass, found from status and the caches (level-based; see `findDrift`). A change not yet in
 * `status.drift.pending` is recorded there and counted at once, then announced with one
 * `ResourceDeletedExternally` or `ResourceModifiedExternally` Event, so a crash before it is put
 * back neither loses it nor counts it twice. Nothing is found under drift policy `ignore`.
 */
export const detectDriftPhase: Phase = async (deps, pass) => {
  if (pass.stack.spec.drift.policy === "ignore") return proceed;
  const found = findDrift({
    tracked: pass.stack.status?.resources ?? [],
    desired: pass.plan!.desired.objects,
    live: (kind, name) => deps.child(kind, pass.namespace, name),
    now: new Date(deps.now()).toISOString(),
  });
  await recordDrift(deps, pass, found);
  return proceed;
};

/**
 * Records the changes in `found` that status does not hold yet: in `status.drift` (written at
 * once), in the drift metric, in the log, and as one Event each.
 */
export async function recordDrift(
  deps: StackDeps,
  pass: StackPass,
  found: readonly DriftRecord[],
): Promise<void> {
  const { drift, added } = recordDetected(pass.stack.status?.drift, found);
  if (added.length === 0) return;
  await writeStackStatus(deps, pass, [
    (s) => {
      s.drift = drift;
    },
  ]);
  for (const record of added) {
    deps.metrics.drift.inc({
      resource_kind: record.kind,
      change: record.change === "Deleted" ? "deleted" : "modified",
    });
    pass.log.info(
      {
        object: `${record.kind}/${record.name}`,
        change: record.change,
        by: record.by,
        manager: record.manager,
      },
      "drift detected",
    );
    recordEvent(deps, pass, driftEvent(record));
  }
}

/** The Event announcing one out-of-band change; its reason is what observers match on. */
export function driftEvent(record: DriftRecord): StackEvent {
  const object = `${record.kind}/${record.name}`;
  const who =
    record.by === "Person"
      ? "a person's change: always put back"
      : "another controller's change: put back, and left alone for a while if it keeps coming back";
  return record.change === "Deleted"
    ? {
        type: "Warning",
        reason: "ResourceDeletedExternally",
        action: "Detect",
        note: `${object} was deleted by someone else (${who})`,
      }
    : {
        type: "Warning",
        reason: "ResourceModifiedExternally",
        action: "Detect",
        note: `${object}: ${record.fields.join(", ")} changed by ${record.manager} (${who})`,
      };
}
