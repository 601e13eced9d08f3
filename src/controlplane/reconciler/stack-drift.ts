import { parsePointer } from "../../api/json-pointer.ts";
/**
 * Drift of the root Stack resource itself: what an out-of-band edit changed,
 * who made it, and what adopting it means for the stored params. Pure.
 */
import type { Stack } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import { changedPointers } from "../guardrails.ts";

/**
 * The JSON pointers (from the resource root, e.g. `/spec/params/motd`) where
 * the live Stack's spec differs from the desired one: changed values, and keys
 * someone added or removed. Empty when the spec is as desired.
 */
export function specDrift(desired: Stack, live: Stack): string[] {
  return changedPointers(desired.spec, live.spec).map((p) => `/spec${p}`);
}

/**
 * An out-of-band edit of the Stack's spec: the fields of {@link specDrift}
 * and the manager of {@link specWriter}. Undefined when the spec is as
 * desired, or when no other manager owns anything in it — then the
 * difference is the API server's (a default of a newer CRD), not an edit,
 * and fighting it would loop.
 */
export function foreignSpecEdit(
  desired: Stack,
  live: Stack,
  ours: string,
): { readonly fields: string[]; readonly actor: string } | undefined {
  const fields = specDrift(desired, live);
  if (fields.length === 0) return undefined;
  const actor = specWriter(live, ours);
  return actor === "unknown" ? undefined : { fields, actor };
}

/** The pointers of {@link specDrift} that lie in params, relative to params (`/motd`). */
export function paramPointers(drift: readonly string[]): string[] {
  return drift.filter((p) => p.startsWith("/spec/params/")).map((p) => p.slice("/spec/params".length));
}

/**
 * The field manager that last wrote the Stack's spec other than `ours`: the
 * managedFields entry of the main resource (not a subresource) that owns
 * something under `spec`, newest first. `unknown` when none does.
 */
export function specWriter(live: KubeObject, ours: string): string {
  const entries = (live.metadata.managedFields ?? [])
    .filter((e) => e.manager !== ours && !e.subresource && ownsSpec(e.fieldsV1))
    .sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""));
  return entries[0]?.manager ?? "unknown";
}

function ownsSpec(fieldsV1: unknown): boolean {
  return typeof fieldsV1 === "object" && fieldsV1 !== null && "f:spec" in fieldsV1;
}

/**
 * The params to store when adopting: `stored` (what the owner gave, without
 * defaults) with the value at every pointer of `adopted` taken from `live`
 * (removed where live has none). Never mutates its inputs.
 */
export function adoptParams(
  stored: Record<string, unknown>,
  live: Record<string, unknown>,
  adopted: readonly string[],
): Record<string, unknown> {
  const out = structuredClone(stored);
  for (const pointer of adopted) {
    const path = parsePointer(pointer);
    const value = getAt(live, path);
    setAt(out, path, value === undefined ? undefined : structuredClone(value));
  }
  return out;
}

/**
 * A JSON merge patch that removes from the live spec every key the desired
 * spec does not have (server-side apply cannot drop a field another manager
 * owns); undefined when there is none.
 */
export function removalPatch(desired: Stack, live: Stack): Record<string, unknown> | undefined {
  const patch = extraKeys(desired.spec, live.spec);
  return patch === undefined ? undefined : { spec: patch };
}

function extraKeys(desired: unknown, live: unknown): Record<string, unknown> | undefined {
  if (!isObject(desired) || !isObject(live)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(live)) {
    if (!(k in desired)) out[k] = null;
    else {
      const inner = extraKeys(desired[k], v);
      if (inner !== undefined) out[k] = inner;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function getAt(o: unknown, path: readonly string[]): unknown {
  let at = o;
  for (const k of path) {
    if (!isObject(at)) return undefined;
    at = at[k];
  }
  return at;
}

function setAt(o: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = o;
  for (const k of path.slice(0, -1)) {
    const next = at[k];
    if (!isObject(next)) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  const last = path.at(-1);
  if (last === undefined) return;
  if (value === undefined) delete at[last];
  else at[last] = value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
