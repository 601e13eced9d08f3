/**
 * JSON pointers (RFC 6901), the one implementation every layer uses: template parameters, ignore
 * rules, guardrails and drift fields all name a place in a document this way. Pure.
 */

/** `/a/b~1c` → `["a", "b/c"]`; `""` → `[]` (the whole document). */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .split("/")
    .slice(1)
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** One reference token escaped for a pointer: `a/b` → `a~1b`, `a~b` → `a~0b`. */
export function escapePointerToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** `["a", "b/c"]` → `/a/b~1c`; `[]` → `""`. The inverse of {@link parsePointer}. */
export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${escapePointerToken(t)}`).join("");
}

/** The value at `pointer` (a string or already-parsed tokens), or undefined when the path does not exist. */
export function valueAt(document: unknown, pointer: string | readonly string[]): unknown {
  let node = document;
  for (const key of typeof pointer === "string" ? parsePointer(pointer) : pointer) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
