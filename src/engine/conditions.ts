import type { Condition } from "../api/condition.ts";

/**
 * `conditions` with `next` set, as a new array (the input is not changed). An existing condition of
 * the same type keeps its position; its `lastTransitionTime` moves to `now` only when its status
 * changes, while reason, message and observedGeneration always take the new values. A new type is
 * appended with `lastTransitionTime: now`. An `observedGeneration` absent from `next` is removed.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: Omit<Condition, "lastTransitionTime">,
  now: string,
): Condition[] {
  const i = conditions.findIndex((c) => c.type === next.type);
  const current = conditions[i];
  if (current === undefined) return [...conditions, { ...next, lastTransitionTime: now }];
  const lastTransitionTime = current.status === next.status ? current.lastTransitionTime : now;
  const updated = { ...next, lastTransitionTime };
  return conditions.map((c, j) => (j === i ? updated : c));
}

/**
 * `next` as {@link setCondition} would store it among `conditions`: its `lastTransitionTime` kept
 * from the condition of the same type while the status holds, `now` otherwise. For status shapes
 * that keep conditions in a list of their own (a typed kind's per-component conditions).
 */
export function nextCondition(
  conditions: readonly Condition[],
  next: Omit<Condition, "lastTransitionTime">,
  now: string,
): Condition {
  return findCondition(setCondition(conditions, next, now), next.type)!;
}

/** The latest `lastTransitionTime` of `conditions` (RFC 3339 times sort as strings), or undefined. */
export function latestTransition(conditions: readonly Condition[] | undefined): string | undefined {
  return (conditions ?? [])
    .map((c) => c.lastTransitionTime)
    .sort()
    .pop();
}

/** The condition of type `type`, if there is one. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether the condition of type `type` is there with status `True`. */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}
