import { Type, type SchemaOptions, type TLiteral, type TUnion } from "@sinclair/typebox";

/**
 * A closed set of strings as a TypeBox union of literals: its static type is
 * the union of `values`, {@link validate} reports "must be one of …", and
 * `toCrdSchema` turns it into `{ type: string, enum: [...] }`.
 */
export function stringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions & { default?: T[number] } = {},
): TUnion<Array<TLiteral<T[number]>>> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
}
