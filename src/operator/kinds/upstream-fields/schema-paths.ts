/**
 * The field paths a CRD version's `spec` schema serves, in the form of the
 * upstream lists beside this file: `spec.a.b`, with `[]` for array items
 * (`spec.alerting.rules[].name`). Maps (`additionalProperties`) and
 * free-form objects end the path: their keys are the owner's, not fields.
 */
export function schemaPaths(schema: Record<string, unknown>, prefix = "spec"): string[] {
  const out: string[] = [];
  const properties = schema["properties"] as Record<string, Record<string, unknown>> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) {
    const path = `${prefix}.${name}`;
    out.push(path);
    out.push(...schemaPaths(child, path));
    const items = child["items"] as Record<string, unknown> | undefined;
    if (items) out.push(...schemaPaths(items, `${path}[]`));
  }
  return out;
}

/** The paths of an upstream list file: one per line, `#` comments and blank lines skipped. */
export function parsePathList(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * The paths (as {@link schemaPaths} spells them) of the free-form objects in
 * a `spec` schema: `x-kubernetes-preserve-unknown-fields` without
 * properties. Whatever an upstream schema lists below one is accepted and
 * kept as written, so it counts as served.
 */
export function freeFormPaths(schema: Record<string, unknown>, prefix = "spec"): string[] {
  const out: string[] = [];
  const properties = schema["properties"] as Record<string, Record<string, unknown>> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) {
    const path = `${prefix}.${name}`;
    if (child["x-kubernetes-preserve-unknown-fields"] === true && child["properties"] === undefined)
      out.push(path);
    out.push(...freeFormPaths(child, path));
    const items = child["items"] as Record<string, unknown> | undefined;
    if (items?.["x-kubernetes-preserve-unknown-fields"] === true && items["properties"] === undefined)
      out.push(`${path}[]`);
    else if (items) out.push(...freeFormPaths(items, `${path}[]`));
  }
  return out;
}

/** The upstream paths a schema does not serve: neither listed by {@link schemaPaths} nor under a free-form object. */
export function unservedPaths(upstream: readonly string[], spec: Record<string, unknown>): string[] {
  const ours = new Set(schemaPaths(spec));
  const free = freeFormPaths(spec);
  return upstream.filter(
    (p) => !ours.has(p) && !free.some((f) => p.startsWith(`${f}.`) || p.startsWith(`${f}[]`)),
  );
}
