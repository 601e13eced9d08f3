/* Read-only accessors for the loosely typed `spec` and `status` of cached objects: they never throw. */

/** Loosely typed JSON: what a cached object's `spec` and `status` are to this module. */
export type Json = Record<string, unknown>;

/** The object at `path` below `o`, or an empty object. */
export const obj = (o: unknown, ...path: string[]): Json => {
  let v: unknown = o;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Json)[p] : undefined;
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
};
/** The number at `o[key]`, or `fallback`. */
export const num = (o: Json, key: string, fallback = 0): number =>
  typeof o[key] === "number" ? o[key] : fallback;
/** The string at `o[key]`, or "". */
export const str = (o: Json, key: string): string => (typeof o[key] === "string" ? o[key] : "");
/** The list of objects at `o[key]`, or []. */
export const list = (o: Json, key: string): Json[] =>
  Array.isArray(o[key])
    ? (o[key] as unknown[]).filter((x): x is Json => x !== null && typeof x === "object")
    : [];
/** The condition of `type` in `status.conditions`, if any. */
export const condition = (status: Json, type: string): Json | undefined =>
  list(status, "conditions").find((c) => c["type"] === type);
