/**
 * Turns a template's parameter schema (JSON Schema, as TypeBox writes it) into
 * form fields, form values into params, and params back into form values.
 * The form enforces what the schema says (required, ranges, enums, lengths,
 * patterns) so most mistakes never reach the server; the server's 422 is
 * still the last word and is mapped back to fields by {@link fieldForPath}.
 */

/** The widgets the form uses. */
export type FieldKind =
  | "accept" // a boolean that must be true (`const: true`): an explicit acceptance checkbox
  | "boolean"
  | "enum"
  | "integer"
  | "number"
  | "string"
  | "list" // an array of strings: one per line
  | "json"; // anything else: JSON text

/** One form field, for one top-level param. */
export interface Field {
  readonly name: string;
  /** The JSON pointer the server uses for this param in its 422 (`/maxPlayers`). */
  readonly path: string;
  readonly kind: FieldKind;
  readonly label: string;
  readonly description: string;
  readonly required: boolean;
  readonly options: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly maxItems?: number;
  readonly defaultValue?: unknown;
}

/** What the inputs hold: text for text-like widgets, booleans for checkboxes. */
export type FormValues = Record<string, string | boolean>;

/** A problem with one field (`field` is a field name, or "" for the whole form). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** `maxPlayers` → `Max players`, `existingRconSecret` → `Existing rcon secret`. */
export function humanize(name: string): string {
  const words = name
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The string options of an enum written as `enum: [...]` or `anyOf`/`oneOf` of `const`s; undefined otherwise. */
function enumOptions(s: Schema): string[] | undefined {
  const listed: unknown = s["enum"];
  if (Array.isArray(listed) && listed.every((v): v is string => typeof v === "string")) return listed;
  const alts = s["anyOf"] ?? s["oneOf"];
  if (
    Array.isArray(alts) &&
    alts.length > 0 &&
    alts.every((a) => isObject(a) && typeof a["const"] === "string")
  ) {
    return alts.map((a) => (a as Schema)["const"] as string);
  }
  return undefined;
}

function kindOf(s: Schema): { kind: FieldKind; options: string[] } {
  const options = enumOptions(s);
  if (options) return { kind: "enum", options };
  switch (s["type"]) {
    case "boolean":
      return { kind: s["const"] === true ? "accept" : "boolean", options: [] };
    case "integer":
      return { kind: "integer", options: [] };
    case "number":
      return { kind: "number", options: [] };
    case "string":
      return { kind: "string", options: [] };
    case "array": {
      const items = s["items"];
      return { kind: isObject(items) && items["type"] === "string" ? "list" : "json", options: [] };
    }
    default:
      return { kind: "json", options: [] };
  }
}

/**
 * The fields of a params schema, one per top-level property: the required
 * ones in the order of the schema's `required` list, then the others in the
 * order of `properties`. (A schema stored as Postgres jsonb comes back with
 * its keys sorted by length, but arrays keep their order.)
 */
export function fieldsFromSchema(schema: unknown): Field[] {
  if (!isObject(schema) || !isObject(schema["properties"])) return [];
  const requiredList = Array.isArray(schema["required"]) ? (schema["required"] as unknown[]) : [];
  const required = new Set(requiredList);
  const rank = (name: string): number => {
    const i = requiredList.indexOf(name);
    return i === -1 ? requiredList.length : i;
  };
  const entries = Object.entries(schema["properties"]).map((e, i) => ({ e, i }));
  entries.sort((a, b) => rank(a.e[0]) - rank(b.e[0]) || a.i - b.i);
  return entries.map(({ e: [name, raw] }) => {
    const s = isObject(raw) ? raw : {};
    const { kind, options } = kindOf(s);
    const field: Field = {
      name,
      path: `/${name}`,
      kind,
      label: str(s["title"]) ?? humanize(name),
      description: str(s["description"]) ?? "",
      // A param with a default is filled in by the server when left out.
      required: required.has(name) && (s["default"] === undefined || kind === "accept"),
      options,
    };
    const extra: Record<string, unknown> = {
      min: num(s["minimum"]),
      max: num(s["maximum"]),
      minLength: num(s["minLength"]),
      maxLength: num(s["maxLength"]),
      pattern: str(s["pattern"]) ?? (isObject(s["items"]) ? str(s["items"]["pattern"]) : undefined),
      maxItems: num(s["maxItems"]),
      defaultValue: s["default"],
    };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) Object.assign(field, { [k]: v });
    return field;
  });
}

/** The value an input shows for a param value (or the field's default when `value` is undefined). */
function toInput(field: Field, value: unknown): string | boolean {
  const v = value === undefined ? field.defaultValue : value;
  switch (field.kind) {
    case "accept":
    case "boolean":
      return v === true;
    case "list":
      return Array.isArray(v) ? v.map(String).join("\n") : "";
    case "json":
      return v === undefined ? "" : JSON.stringify(v, null, 2);
    default:
      return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "";
  }
}

/** Form values for `params`: each field shows its param, or its default, or nothing. */
export function valuesFromParams(fields: readonly Field[], params: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const f of fields) out[f.name] = toInput(f, params[f.name]);
  return out;
}

/** The outcome of {@link paramsFromValues}. */
export type FormResult = { ok: true; params: Record<string, unknown> } | { ok: false; errors: FieldError[] };

function patternMatches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    return true; // a pattern the browser cannot read is left to the server
  }
}

/**
 * Params from form values, checked against the fields. Empty optional inputs
 * are left out (the server applies defaults). Every problem is listed, at most
 * one per field.
 */
export function paramsFromValues(fields: readonly Field[], values: FormValues): FormResult {
  const params: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const fail = (field: Field, message: string): void => void errors.push({ field: field.name, message });
  for (const f of fields) {
    const v = values[f.name];
    if (f.kind === "accept") {
      if (v === true) params[f.name] = true;
      else if (f.required) fail(f, "must be accepted");
      continue;
    }
    if (f.kind === "boolean") {
      params[f.name] = v === true;
      continue;
    }
    const text = typeof v === "string" ? v.trim() : "";
    if (text === "" && f.kind === "list") {
      params[f.name] = []; // an emptied list is a change, not a default
      continue;
    }
    if (text === "") {
      if (f.required) fail(f, "is required");
      continue;
    }
    switch (f.kind) {
      case "integer":
      case "number": {
        const n = Number(text);
        if (!Number.isFinite(n) || (f.kind === "integer" && !Number.isInteger(n))) {
          fail(f, f.kind === "integer" ? "must be a whole number" : "must be a number");
        } else if (f.min !== undefined && n < f.min) fail(f, `must be at least ${f.min}`);
        else if (f.max !== undefined && n > f.max) fail(f, `must be at most ${f.max}`);
        else params[f.name] = n;
        break;
      }
      case "enum":
        if (!f.options.includes(text)) fail(f, `must be one of ${f.options.join(", ")}`);
        else params[f.name] = text;
        break;
      case "list": {
        const items = text
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = f.pattern ? items.find((i) => !patternMatches(f.pattern ?? "", i)) : undefined;
        if (bad !== undefined) fail(f, `"${bad}" is not valid`);
        else if (f.maxItems !== undefined && items.length > f.maxItems)
          fail(f, `at most ${f.maxItems} entries`);
        else params[f.name] = items;
        break;
      }
      case "json":
        try {
          params[f.name] = JSON.parse(text) as unknown;
        } catch {
          fail(f, "must be valid JSON");
        }
        break;
      default:
        if (f.minLength !== undefined && text.length < f.minLength)
          fail(f, `must be at least ${f.minLength} characters`);
        else if (f.maxLength !== undefined && text.length > f.maxLength) {
          fail(f, `must be at most ${f.maxLength} characters`);
        } else if (f.pattern !== undefined && !patternMatches(f.pattern, text)) {
          fail(f, `must match ${f.pattern}`);
        } else params[f.name] = text;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, params };
}

/**
 * The field a server error's JSON pointer names (`/memory` → `memory`,
 * `/resources/limits/cpu` → `resources`, `/params/memory` → `memory`);
 * "" when it names none of them (the error is shown for the whole form).
 */
export function fieldForPath(fields: readonly Field[], path: string): string {
  const segments = path
    .replace(/^#/, "")
    .split("/")
    .filter((s) => s !== "")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const names = new Set(fields.map((f) => f.name));
  const start = segments[0] === "params" || segments[0] === "body" ? 1 : 0;
  const first = segments[start];
  return first !== undefined && names.has(first) ? first : "";
}
