import { parsePointer, valueAt } from "../api/json-pointer.ts";
/** A parameter set: plain JSON. */
export type Params = Record<string, unknown>;

/**
 * A copy of `params` without the values at `pointers` (secret parameters such
 * as a Grafana admin password), for what the operator writes to status: a
 * snapshot must not repeat a secret. Pure; the input is not changed.
 */
export function withoutSecrets(params: Params, pointers: readonly string[]): Params {
  const copy = structuredClone(params);
  for (const pointer of pointers) {
    const path = parsePointer(pointer);
    const last = path.pop();
    const parent = valueAt(copy, path);
    if (last !== undefined && parent !== null && typeof parent === "object") delete (parent as Params)[last];
  }
  return copy;
}

/**
 * A snapshot made whole again for rendering: the secret values at `pointers`
 * come from the current parameters (secrets are never upgrade fields, so the
 * current value is the one to keep). Pure.
 */
export function withSecretsFrom(snapshot: Params, current: Params, pointers: readonly string[]): Params {
  const copy = structuredClone(snapshot);
  for (const pointer of pointers) {
    const path = parsePointer(pointer);
    const value = valueAt(current, path);
    if (value === undefined) continue;
    const last = path.pop();
    let node: Params = copy;
    for (const k of path) {
      if (node[k] === null || typeof node[k] !== "object") node[k] = {};
      node = node[k] as Params;
    }
    if (last !== undefined) node[last] = structuredClone(value);
  }
  return copy;
}

/** What an API response shows in place of a secret parameter's value. */
export const maskedSecret = "********";

/**
 * A copy of `params` with the value at each of `pointers` that is set
 * replaced by {@link maskedSecret}, for API responses: a secret is never sent
 * back. Pure.
 */
export function maskSecrets(params: Params, pointers: readonly string[]): Params {
  const copy = structuredClone(params);
  for (const pointer of pointers) {
    const path = parsePointer(pointer);
    const last = path.pop();
    const parent = valueAt(copy, path);
    if (last === undefined || parent === null || typeof parent !== "object") continue;
    if ((parent as Params)[last] !== undefined) (parent as Params)[last] = maskedSecret;
  }
  return copy;
}

/**
 * `wanted` with every secret parameter that still holds {@link maskedSecret}
 * (a masked response sent back unchanged) given its value from `current`, so
 * editing other parameters never overwrites a secret with the mask. Pure.
 */
export function unmaskSecrets(wanted: Params, current: Params, pointers: readonly string[]): Params {
  return withSecretsFrom(
    wanted,
    current,
    pointers.filter((p) => valueAt(wanted, parsePointer(p)) === maskedSecret),
  );
}
