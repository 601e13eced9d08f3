/**
 * What the observers make of a live Stack: the observed cache row, the
 * one-word summary, and what counts as a change worth an event. Pure.
 */
import type { Stack } from "../../api/stack.ts";
import type { ObservedRecord, StatusSummary } from "../store/records.ts";

/** The observed cache row of a live Stack (without the time it was observed). */
export type Observation = Omit<ObservedRecord, "observedAt">;

/** The observed cache row for `stackId` from its live Stack. */
export function observationOf(stackId: string, live: Stack): Observation {
  const status = live.status ?? {};
  const failure = status.lastFailure?.message;
  const ready = status.conditions?.find((c) => c.type === "Ready");
  return {
    stackId,
    phase: status.phase ?? null,
    observedGeneration: status.observedGeneration ?? null,
    resourceGeneration: live.metadata.generation ?? null,
    conditions: status.conditions ?? [],
    components: status.components ?? [],
    ready: status.ready ?? null,
    message: ready?.message ?? failure ?? "",
  };
}

/** True when two observations differ in anything but the time they were made. */
export function observationChanged(before: Observation | undefined, after: Observation): boolean {
  if (!before) return true;
  const strip = (o: Observation): string =>
    JSON.stringify([
      o.phase,
      o.observedGeneration,
      o.resourceGeneration,
      o.conditions,
      o.components,
      o.ready,
      o.message,
    ]);
  return strip(before) !== strip(after);
}

/**
 * The one word for how a stack is doing: Failed → Error; a Degraded
 * condition that is True → Degraded; Ready and Paused (nothing wrong, nothing
 * under way) → Healthy; anything else (Pending, Installing, Upgrading,
 * Deleting, no phase yet) → Progressing.
 */
export function summaryOf(live: Pick<Stack, "status">): StatusSummary {
  const status = live.status ?? {};
  if (status.phase === "Failed") return "Error";
  if (status.conditions?.some((c) => c.type === "Degraded" && c.status === "True")) return "Degraded";
  if (status.phase === "Ready" || status.phase === "Paused") return "Healthy";
  return "Progressing";
}
