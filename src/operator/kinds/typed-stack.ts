import type { IgnoreRule, Stack, StackStatus } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import type { Condition } from "../../api/condition.ts";
import { nextCondition } from "../../engine/conditions.ts";
import { engineStatusField } from "../kind-binding.ts";

/**
 * A typed kind's object as the engine sees it: a Stack of `template` whose
 * parameters are the object's spec (null fields left out), never paused, drift enforced with
 * `ignore`, volumes retained on deletion, and as status only what the
 * engine wrote under `status.stackwarden` (the kind's own status fields
 * never reach the engine). The object is not changed.
 */
export function typedKindAsStack(
  object: KubeObject & { readonly spec?: unknown; readonly status?: Record<string, unknown> },
  template: string,
  ignore: readonly IgnoreRule[] = [],
): Stack {
  const { status, spec, ...rest } = object;
  const view: Stack = {
    ...rest,
    spec: {
      template,
      params: withoutNulls(spec ?? {}) as Record<string, unknown>,
      paused: false,
      drift: { policy: "enforce", ignore: [...ignore] },
      deletionPolicy: { volumes: "Retain" },
    },
  };
  const engine = status?.[engineStatusField] as StackStatus | undefined;
  return engine === undefined ? view : { ...view, status: engine };
}

/** `value` without the object properties that are null (a nullable field written as null is absent). Pure. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

/**
 * A typed kind's condition among its `previous` ones: the transition time
 * kept while the status holds, `fallbackTime` (the engine's latest
 * condition change: projections have no clock) when it changes, and
 * `observedGeneration` when known.
 */
export function kindCondition(
  previous: readonly Condition[],
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  fallbackTime: string,
  observedGeneration: number | undefined,
): Condition {
  return nextCondition(
    previous,
    { type, status, reason, message, ...(observedGeneration !== undefined && { observedGeneration }) },
    fallbackTime,
  );
}
