import { parsePointer } from "../../api/json-pointer.ts";
import type { KubeObject } from "../../api/object.ts";
import type { IgnoreRule } from "../../api/stack.ts";

/**
 * `object` without the fields the rules name. Stackwarden never sets an
 * ignored field, so server-side apply never owns it and no one else's change
 * to it is ever reverted (replicas under an HPA, for example). Pure; a
 * pointer into a missing path changes nothing.
 */
export function withoutIgnored(object: KubeObject, rules: readonly IgnoreRule[]): KubeObject {
  const matching = rules.filter(
    (r) => r.kind === object.kind && (r.name === undefined || r.name === object.metadata.name),
  );
  if (matching.length === 0) return object;
  const copy = structuredClone(object) as unknown as Record<string, unknown>;
  for (const rule of matching) {
    const keys = parsePointer(rule.jsonPointer);
    const last = keys.pop();
    if (last === undefined) continue;
    let node: unknown = copy;
    for (const k of keys)
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[k] : undefined;
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else if (node !== null && typeof node === "object") delete (node as Record<string, unknown>)[last];
  }
  return copy as unknown as KubeObject;
}
