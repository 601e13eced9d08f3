import { escapePointerToken } from "../api/json-pointer.ts";
/**
 * Guardrails of the template catalog: what params a template version accepts,
 * which of them may change after creation, and which out-of-band changes the
 * control plane may adopt. Pure functions over catalog records; no I/O.
 */
import { Value } from "@sinclair/typebox/value";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { validate, type FieldProblem } from "../api/validate.ts";
import { findTemplate, templates } from "../templates/registry.ts";
import type { Template } from "../templates/template.ts";
import type { NewTemplate } from "./store/catalog-store.ts";
import type { TemplateRecord } from "./store/records.ts";

/**
 * One catalog record per built-in template, its param schema as plain JSON and
 * its guardrails as the template declares them. Feed to `store.catalog.syncBuiltins`.
 */
export function builtinTemplateRecords(): NewTemplate[] {
  return [...templates.values()].map((t) => ({
    name: t.name,
    version: t.version,
    description: t.description,
    baseName: t.name,
    baseVersion: t.version,
    paramSchema: JSON.parse(JSON.stringify(t.params)) as Record<string, unknown>,
    defaults: {},
    guardrails: { immutable: [...t.guardrails.immutable], adoptable: [...t.guardrails.adoptable] },
  }));
}

/** The built-in template whose builders render a catalog record, or undefined when it is gone. */
export function baseTemplate(record: TemplateRecord): Template | undefined {
  return findTemplate(record.baseName, record.baseVersion);
}

/** The outcome of {@link validateParams}. */
export type ParamsValidation =
  { ok: true; value: Record<string, unknown> } | { ok: false; problems: FieldProblem[] };

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
/** Compiled record schemas by their JSON text (catalog versions are immutable, so few distinct ones). */
const compiled = new Map<string, ValidateFunction>();

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    if (compiled.size > 500) compiled.clear();
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

/**
 * Validates params for a template version. `record.defaults` are merged under
 * `params` (deep: objects merge, anything else in `params` wins); the result
 * must satisfy the base template's schema (its defaults applied), the record's
 * own `paramSchema`, and the base template's cross-field rules.
 *
 * Guarantees: `params` is never modified; on success `value` is a fresh object
 * with every default applied; on failure every problem found is listed, at most
 * one per path, each path a JSON pointer relative to params (`/maxPlayers`).
 */
export function validateParams(record: TemplateRecord, params: unknown): ParamsValidation {
  if (!isPlainObject(params)) return { ok: false, problems: [{ path: "", message: "must be an object" }] };
  const base = baseTemplate(record);
  if (!base) {
    return {
      ok: false,
      problems: [
        { path: "", message: `the base template ${record.baseName} ${record.baseVersion} is not available` },
      ],
    };
  }
  const merged = deepMerge(record.defaults, params);
  const typed = validate(base.params, merged);
  // The record's schema sees the base's defaults applied, even when the base schema found problems.
  const candidate: unknown = typed.ok ? typed.value : Value.Default(base.params, Value.Clone(merged));
  const problems: FieldProblem[] = typed.ok ? [] : [...typed.problems];
  const seen = new Set(problems.map((p) => p.path));
  const check = compile(record.paramSchema);
  if (!check(candidate)) {
    for (const e of check.errors ?? []) {
      const p = ajvProblem(e);
      if (seen.has(p.path)) continue;
      seen.add(p.path);
      problems.push(p);
    }
  }
  if (problems.length === 0 && base.validate) {
    problems.push(...base.validate(candidate as Record<string, unknown>));
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: candidate as Record<string, unknown> };
}

/**
 * Problems with a JSON Schema an admin gives a new template version (path
 * `""`): it must be an object that compiles. Empty when it is usable.
 */
export function checkParamSchema(schema: unknown): FieldProblem[] {
  if (!isPlainObject(schema)) return [{ path: "", message: "must be a JSON Schema object" }];
  try {
    compile(schema);
    return [];
  } catch (e: unknown) {
    return [
      { path: "", message: `is not a usable JSON Schema: ${e instanceof Error ? e.message : String(e)}` },
    ];
  }
}

function ajvProblem(e: ErrorObject): FieldProblem {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return {
        path: `${e.instancePath}/${escapePointerToken(String(params["missingProperty"]))}`,
        message: "is required",
      };
    case "additionalProperties": {
      const name = String(params["additionalProperty"]);
      return { path: `${e.instancePath}/${escapePointerToken(name)}`, message: `unknown field "${name}"` };
    }
    case "minimum":
    case "maximum":
      return {
        path: e.instancePath,
        message: `must be at ${e.keyword === "minimum" ? "least" : "most"} ${String(params["limit"])}`,
      };
    case "enum":
      return {
        path: e.instancePath,
        message: `must be one of ${(params["allowedValues"] as unknown[]).map(String).join(", ")}`,
      };
    default:
      return { path: e.instancePath, message: e.message ?? "is not allowed" };
  }
}

/**
 * The JSON pointers where `from` and `to` differ, sorted: leaves that changed,
 * keys added or removed, and whole arrays (an array is one value). Equal
 * inputs give `[]`; a change of type at a path reports that path.
 */
export function changedPointers(from: unknown, to: unknown): string[] {
  const out: string[] = [];
  diff(from, to, "", out);
  return out.sort();
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const here = `${path}/${escapePointerToken(k)}`;
      if (!(k in a) || !(k in b)) out.push(here);
      else diff(a[k], b[k], here, out);
    }
    return;
  }
  if (!deepEqual(a, b)) out.push(path);
}

/** True when `pointer` is `prefix` or lies under it. */
function covers(prefix: string, pointer: string): boolean {
  return pointer === prefix || pointer.startsWith(`${prefix}/`) || prefix === "";
}

/**
 * Problems for every changed param at or under one of the record's immutable
 * pointers, with that changed pointer as path. Empty when nothing immutable changed.
 */
export function checkImmutable(record: TemplateRecord, from: unknown, to: unknown): FieldProblem[] {
  return changedPointers(from, to)
    .filter((p) => record.guardrails.immutable.some((i) => covers(i, p) || covers(p, i)))
    .map((path) => ({ path, message: "is immutable after creation" }));
}

/** What {@link checkAdoption} decided: every changed pointer is in exactly one of `allowed` and `forbidden`. */
export interface AdoptionCheck {
  readonly fields: string[];
  readonly allowed: string[];
  readonly forbidden: string[];
}

/**
 * Whether an out-of-band change of params from `from` to `to` may be adopted.
 * A changed pointer is allowed when it is at or under an adoptable pointer and
 * touches nothing immutable; when the new params do not validate, every
 * changed pointer is forbidden.
 */
export function checkAdoption(record: TemplateRecord, from: unknown, to: unknown): AdoptionCheck {
  const fields = changedPointers(from, to);
  if (!validateParams(record, to).ok) return { fields, allowed: [], forbidden: [...fields] };
  const immutable = new Set(checkImmutable(record, from, to).map((p) => p.path));
  const allowed: string[] = [];
  const forbidden: string[] = [];
  for (const f of fields) {
    const ok = !immutable.has(f) && record.guardrails.adoptable.some((a) => covers(a, f));
    (ok ? allowed : forbidden).push(f);
  }
  return { fields, allowed, forbidden };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` on top of `under`: objects merge key by key, anything else in `over` wins. Never mutates. */
function deepMerge(under: unknown, over: unknown): unknown {
  if (isPlainObject(under) && isPlainObject(over)) {
    const out: Record<string, unknown> = structuredClone(under);
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
    return out;
  }
  return over === undefined ? structuredClone(under) : structuredClone(over);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
