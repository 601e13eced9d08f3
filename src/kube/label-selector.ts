/**
 * Kubernetes label selectors in their string form (`app=web,tier!=db,env in
 * (a,b),!legacy,owner`): parsed once, matched many times. The same string is
 * what a watch sends as `labelSelector`, so the server and the cache agree.
 */
export type Requirement =
  | { readonly op: "in"; readonly key: string; readonly values: readonly string[] }
  | { readonly op: "notin"; readonly key: string; readonly values: readonly string[] }
  | { readonly op: "exists"; readonly key: string }
  | { readonly op: "doesnotexist"; readonly key: string };

/** Parses a selector string; throws with the offending part when it is malformed. */
export function parseLabelSelector(selector: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "" || parts.length > 0) parts.push(current);
  return parts.map((raw) => parseRequirement(raw.trim(), selector));
}

function parseRequirement(part: string, whole: string): Requirement {
  let m: RegExpExecArray | null;
  if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(part))) {
    const [, key = "", op, value = ""] = m;
    return { op: op === "!=" ? "notin" : "in", key, values: [value] };
  }
  if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
    const [, key = "", op, list = ""] = m;
    const values = list.split(",").map((v) => v.trim());
    return { op: op === "in" ? "in" : "notin", key, values };
  }
  if ((m = /^!\s*([\w./-]+)$/.exec(part))) return { op: "doesnotexist", key: m[1] ?? "" };
  if ((m = /^([\w./-]+)$/.exec(part))) return { op: "exists", key: m[1] ?? "" };
  throw new Error(`invalid label selector ${JSON.stringify(whole)}: cannot parse ${JSON.stringify(part)}`);
}

/** True when `labels` satisfy every requirement. */
export function matchesLabels(
  requirements: readonly Requirement[],
  labels: Readonly<Record<string, string>> = {},
): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case "in":
        return has && r.values.includes(labels[r.key] ?? "");
      case "notin":
        return !has || !r.values.includes(labels[r.key] ?? "");
      case "exists":
        return has;
      case "doesnotexist":
        return !has;
    }
  });
}

/** The equality selector string for a set of labels: `{a: "1", b: "2"}` → `a=1,b=2`. */
export function selectorFromLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
