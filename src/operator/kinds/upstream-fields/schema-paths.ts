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
