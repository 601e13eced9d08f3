import type { Stack } from "../../api/stack.ts";
import type { EventType } from "../store/records.ts";

/** An event to record about a stack, as an observer or an agent sees it in its cluster. */
export interface StackTransition {
  readonly type: EventType;
  readonly actor: string;
  readonly data: Record<string, unknown>;
}

/**
 * The operator's newest correction of one of the stack's objects, from
 * `status.drift.lastCorrection`, as the events to record: ResourceModifiedExternally
 * (who drifted, which fields; not for a deletion, which the UIDs show) then
 * DriftCorrected `by: operator`. `time` tells corrections apart: an observer
 * records each time once. Undefined when the operator corrected nothing.
 */
export function operatorCorrection(live: Stack): { time: string; events: StackTransition[] } | undefined {
  const last = live.status?.drift?.lastCorrection;
  if (!last) return undefined;
  const data = {
    kind: last.kind,
    name: last.name,
    fields: last.fields,
    manager: last.manager,
    time: last.time,
    corrections: live.status?.drift?.corrections ?? 0,
  };
  const events: StackTransition[] = [];
  if (last.fields.length > 0) {
    events.push({ type: "ResourceModifiedExternally", actor: last.manager || "unknown", data });
  }
  // The actor of a correction is who corrected it; `manager` in the data says who drifted.
  events.push({ type: "DriftCorrected", actor: "stackwarden-operator", data: { ...data, by: "operator" } });
  return { time: last.time, events };
}
