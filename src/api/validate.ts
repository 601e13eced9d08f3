import type { Static, TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";

/** A problem with one field: `path` is a JSON pointer into the validated value, e.g. `/memory`. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** The outcome of {@link validate}: the value with its defaults, or every problem found. */
export type Validation<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/**
 * Schema keyword holding the message to report, instead of the generic one, for
 * any problem with the value at that node (e.g. the EULA must be accepted).
 * {@link toCrdSchema} strips it.
 */
export const errorMessageKeyword = "errorMessage";

/**
 * Validates `value` against `schema` the way a structural CRD schema does:
 * types, enums, ranges, patterns, required fields, and unknown properties
 * rejected wherever the schema says `additionalProperties: false`.
 *
 * Guarantees: `value` is never modified. On success the result is a deep
 * clone with the schema's defaults applied. On failure there is at most one
 * problem per path, in the order the schema declares the fields, and each
 * message reads after its path: `/memory: must match ^\d+[MG]$`.
 */
export function validate<S extends TSchema>(schema: S, value: unknown): Validation<Static<S>> {
  const withDefaults: unknown = Value.Default(schema, Value.Clone(value));
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, withDefaults)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    problems.push({ path: error.path, message: messageOf(error) });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: withDefaults as Static<S> };
}

/** `/memory: must match ^\d+[MG]$` — a problem as one line, for conditions, events and API errors. */
export function formatProblem(problem: FieldProblem): string {
  return `${problem.path || "/"}: ${problem.message}`;
}

function messageOf(error: ValueError): string {
  const schema = error.schema as Record<string, unknown>;
  const custom = schema[errorMessageKeyword];
  if (typeof custom === "string") return custom;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.ObjectAdditionalProperties:
      return `unknown field "${error.path.split("/").pop() ?? ""}"`;
    case ValueErrorType.StringPattern:
      return `must match ${String(schema["pattern"])}`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(schema["maxLength"])} characters`;
    case ValueErrorType.StringMinLength:
      return `must be at least ${String(schema["minLength"])} characters`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${String(schema["minimum"])}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${String(schema["maximum"])}`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${String(schema["maxItems"])} items`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${String(schema["minItems"])} items`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema["const"])}`;
    case ValueErrorType.Union: {
      const options = literalOptions(schema);
      return options ? `must be one of ${options.join(", ")}` : "matches none of the allowed shapes";
    }
    case ValueErrorType.String:
      return "must be a string";
    case ValueErrorType.Integer:
      return "must be an integer";
    case ValueErrorType.Number:
      return "must be a number";
    case ValueErrorType.Boolean:
      return "must be true or false";
    case ValueErrorType.Object:
      return "must be an object";
    case ValueErrorType.Array:
      return "must be a list";
    default:
      return error.message;
  }
}

/** The allowed values of a union of literals (an enum), or undefined for other unions. */
function literalOptions(schema: Record<string, unknown>): string[] | undefined {
  const anyOf = schema["anyOf"];
  if (!Array.isArray(anyOf)) return undefined;
  const out: string[] = [];
  for (const s of anyOf as Array<Record<string, unknown>>) {
    if (!("const" in s)) return undefined;
    out.push(String(s["const"]));
  }
  return out;
}
