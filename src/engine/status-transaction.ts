import { isDeepStrictEqual } from "node:util";

/**
 * One small change to a status, made by mutating the draft it is given (`setPhase("Ready")`,
 * `setCondition(...)`). Applied with {@link applyTransactions}, never to the live object.
 */
export type StatusTransaction<S> = (status: S) => void;

/**
 * Applies `transactions` in order to a deep copy of `current`. `current` is never changed; `changed`
 * is false when the result is deeply equal to it, so the caller can skip the write.
 */
export function applyTransactions<S>(
  current: S,
  transactions: ReadonlyArray<StatusTransaction<S>>,
): { next: S; changed: boolean } {
  const next = structuredClone(current);
  for (const transaction of transactions) transaction(next);
  return { next, changed: !isDeepStrictEqual(current, next) };
}

/** A JSON value as it appears in a status. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`, or undefined when they are equal.
 * Objects are diffed key by key; arrays and scalars are replaced whole; a key that is gone (or
 * `undefined`) in `after` becomes `null`. Merge patch cannot set a value to null, so a `null` in
 * `after` also removes its key.
 */
export function statusMergePatch(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined {
  return diffObjects(before as Record<string, Json | undefined>, after as Record<string, Json | undefined>);
}

function diffObjects(
  before: Record<string, Json | undefined>,
  after: Record<string, Json | undefined>,
): Record<string, Json> | undefined {
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(before)) {
    if (before[key] !== undefined && (after[key] === undefined || after[key] === null)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined || value === null) continue;
    const old = before[key];
    if (isObject(old) && isObject(value)) {
      const nested = diffObjects(old, value);
      if (nested !== undefined) patch[key] = nested;
    } else if (!isDeepStrictEqual(old, value)) {
      patch[key] = value;
    }
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

function isObject(value: Json | undefined): value is { [key: string]: Json | undefined } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
