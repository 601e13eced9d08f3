import type { TSchema } from "@sinclair/typebox";
import type { KubeObject } from "./object.ts";
import { StackSpecSchema, StackStatusSchema, stackResourceType } from "./stack.ts";

/** A JSON Schema node as a CRD's `openAPIV3Schema` holds it (apiextensions.k8s.io/v1 JSONSchemaProps). */
export type CrdSchema = { [keyword: string]: unknown };

/** Keywords a CRD schema accepts and that carry over unchanged. */
const kept = new Set([
  "type",
  "description",
  "default",
  "enum",
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "nullable",
  "example",
]);

/**
 * Converts a TypeBox schema into a structural CRD schema node.
 *
 * Guarantees: the result is plain JSON (no `$id`, no symbols, no TypeBox-only
 * keywords such as `errorMessage`); every object, array and scalar node keeps
 * its `type`; unions of literals become `enum`, `const` becomes a one-value
 * `enum`; fields with a default are not listed as required (the API server
 * fills them in before it validates); `additionalProperties: false` is dropped (a structural schema prunes
 * or rejects unknown fields by itself, and the API server refuses it beside
 * `properties`), while `additionalProperties: <schema>` (a map) is kept;
 * `x-kubernetes-*` extensions pass through. Throws on a shape a CRD cannot
 * express (a union of non-literals).
 */
export function toCrdSchema(schema: TSchema | CrdSchema): CrdSchema {
  const s = schema as CrdSchema;
  const out: CrdSchema = {};
  if (Array.isArray(s["anyOf"])) return literalUnion(s);
  for (const [key, value] of Object.entries(s)) {
    if (kept.has(key) || key.startsWith("x-kubernetes-")) out[key] = structuredClone(value);
  }
  if ("const" in s) out["enum"] = [structuredClone(s["const"])];
  if (out["x-kubernetes-preserve-unknown-fields"] === true) {
    if (out["type"] === undefined) out["type"] = "object";
    return out;
  }
  const properties = s["properties"] as Record<string, CrdSchema> | undefined;
  if (properties !== undefined && Object.keys(properties).length > 0) {
    out["properties"] = Object.fromEntries(
      Object.entries(properties).map(([name, p]) => [name, toCrdSchema(p)]),
    );
  }
  // A field with a default is filled in before validation; listing it as required only misleads `kubectl explain`.
  const required = ((s["required"] ?? []) as string[]).filter(
    (name) => !("default" in (properties?.[name] ?? {})),
  );
  if (required.length > 0) out["required"] = required;
  const additional = s["additionalProperties"];
  if (typeof additional === "object" && additional !== null) {
    out["additionalProperties"] = toCrdSchema(additional as CrdSchema);
  }
  if (s["items"] !== undefined) out["items"] = toCrdSchema(s["items"] as CrdSchema);
  return out;
}

function literalUnion(s: CrdSchema): CrdSchema {
  const options = s["anyOf"] as CrdSchema[];
  if (!options.every((o) => "const" in o)) {
    throw new Error(`a CRD schema cannot express this union: ${JSON.stringify(s)}`);
  }
  const values = options.map((o) => o["const"]);
  const types = new Set(options.map((o) => o["type"] ?? typeof o["const"]));
  if (types.size !== 1) throw new Error(`an enum in a CRD schema needs one type: ${JSON.stringify(values)}`);
  const out: CrdSchema = { type: [...types][0], enum: values };
  for (const key of ["description", "default"]) if (key in s) out[key] = structuredClone(s[key]);
  return out;
}

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

/** What {@link customResourceDefinition} needs to describe one kind. */
export interface CrdDefinition {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly spec: TSchema;
  readonly status: TSchema;
  readonly printerColumns: readonly PrinterColumn[];
}

/**
 * A CustomResourceDefinition (apiextensions.k8s.io/v1) for one kind with one
 * served and stored version: a structural schema from {@link toCrdSchema},
 * `spec` required, the status subresource enabled, and the given printer
 * columns (an `Age` column is always appended). Typed kinds reuse it.
 */
export function customResourceDefinition(d: CrdDefinition): KubeObject & { spec: CrdSchema } {
  const names: CrdSchema = {
    kind: d.kind,
    listKind: `${d.kind}List`,
    plural: d.plural,
    singular: d.singular,
  };
  if (d.shortNames && d.shortNames.length > 0) names["shortNames"] = [...d.shortNames];
  if (d.categories && d.categories.length > 0) names["categories"] = [...d.categories];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${d.plural}.${d.group}`,
      labels: { "app.kubernetes.io/managed-by": "stackwarden", "app.kubernetes.io/part-of": "stackwarden" },
    },
    spec: {
      group: d.group,
      names,
      scope: d.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: d.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...d.printerColumns.map((c) => ({ ...c })),
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: `${d.kind} (${d.group}/${d.version}).`,
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: toCrdSchema(d.spec),
                status: toCrdSchema(d.status),
              },
              required: ["spec"],
            },
          },
        },
      ],
    },
  };
}

/**
 * The CRD of the `Stack` kind (`stacks.stackwarden.dev`), generated from
 * {@link StackSpecSchema} and {@link StackStatusSchema}: short name `stk`,
 * category `stackwarden`, printer columns Template, Phase, Ready (the
 * `status.ready` "ready/total" string) and Age. Same output on every call.
 */
export function stackCrd(): KubeObject & { spec: CrdSchema } {
  return customResourceDefinition({
    group: stackResourceType.group,
    version: stackResourceType.version,
    kind: stackResourceType.kind,
    plural: stackResourceType.plural,
    singular: "stack",
    namespaced: stackResourceType.namespaced,
    shortNames: ["stk"],
    categories: ["stackwarden"],
    spec: StackSpecSchema,
    status: StackStatusSchema,
    printerColumns: [
      { name: "Template", type: "string", jsonPath: ".spec.template" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      {
        name: "Ready",
        type: "string",
        jsonPath: ".status.ready",
        description: "Ready components out of all",
      },
    ],
  });
}
