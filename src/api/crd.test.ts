import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { stackCrd, toCrdSchema, type CrdSchema } from "./crd.ts";

/** Every problem that makes a schema non-structural or unacceptable to the API server, by path. */
function structuralProblems(node: CrdSchema, path = ""): string[] {
  const problems: string[] = [];
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (node["type"] === undefined && !preserve && node["x-kubernetes-int-or-string"] !== true)
    problems.push(`${path}: no type`);
  for (const k of ["$id", "$schema", "const", "anyOf", "oneOf", "allOf", "errorMessage", "patternProperties"])
    if (k in node) problems.push(`${path}: ${k}`);
  if ("properties" in node && "additionalProperties" in node)
    problems.push(`${path}: properties beside additionalProperties`);
  if (node["additionalProperties"] === false) problems.push(`${path}: additionalProperties false`);
  if (Object.getOwnPropertySymbols(node).length > 0) problems.push(`${path}: symbols`);
  const properties = (node["properties"] ?? {}) as Record<string, CrdSchema>;
  for (const [name, p] of Object.entries(properties))
    problems.push(...structuralProblems(p, `${path}.${name}`));
  if (node["items"]) problems.push(...structuralProblems(node["items"] as CrdSchema, `${path}[]`));
  if (typeof node["additionalProperties"] === "object")
    problems.push(...structuralProblems(node["additionalProperties"] as CrdSchema, `${path}{}`));
  return problems;
}

/** The schema node a printer column's `.a.b` JSONPath points at, or undefined. */
function nodeAt(root: CrdSchema, jsonPath: string): CrdSchema | undefined {
  let node: CrdSchema | undefined = root;
  for (const part of jsonPath.split(".").slice(1)) {
    node = (node?.["properties"] as Record<string, CrdSchema> | undefined)?.[part];
  }
  return node;
}

const crd = stackCrd();
const spec = crd.spec as {
  group: string;
  names: CrdSchema;
  scope: string;
  versions: Array<{
    name: string;
    served: boolean;
    storage: boolean;
    subresources: CrdSchema;
    additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string }>;
    schema: { openAPIV3Schema: CrdSchema };
  }>;
};
const version = spec.versions[0]!;
const root = version.schema.openAPIV3Schema;

describe("stackCrd", () => {
  it("names the kind", () => {
    assert.equal(crd.metadata.name, "stacks.stackwarden.dev");
    assert.equal(spec.group, "stackwarden.dev");
    assert.equal(spec.scope, "Namespaced");
    assert.deepEqual(spec.names, {
      kind: "Stack",
      listKind: "StackList",
      plural: "stacks",
      singular: "stack",
      shortNames: ["stk"],
      categories: ["stackwarden"],
    });
    assert.equal(version.name, "v1alpha1");
    assert.deepEqual(version.subresources, { status: {} });
  });

  it("is structural", () => {
    assert.deepEqual(structuralProblems(root), []);
  });

  it("is plain JSON", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(crd)), crd);
  });

  it("is the same on every call", () => {
    assert.deepEqual(stackCrd(), crd);
  });

  const defaults: Array<[string, unknown]> = [
    [".spec.paused", false],
    [".spec.drift", {}],
    [".spec.drift.policy", "enforce"],
    [".spec.drift.ignore", []],
    [".spec.deletionPolicy", {}],
    [".spec.deletionPolicy.volumes", "Retain"],
  ];
  for (const [path, value] of defaults) {
    it(`defaults ${path}`, () => assert.deepEqual(nodeAt(root, path)?.["default"], value));
  }

  const validation: Array<[string, string, unknown]> = [
    [".spec.template", "minLength", 1],
    [".spec.drift.policy", "enum", ["enforce", "ignore"]],
    [".spec.deletionPolicy.volumes", "enum", ["Retain", "Delete"]],
    [".spec.drift.ignore", "items", undefined],
    [
      ".status.phase",
      "enum",
      ["Pending", "Installing", "Ready", "Upgrading", "Failed", "Deleting", "Paused"],
    ],
    [".status.conditions", "x-kubernetes-list-type", "map"],
    [".status.conditions", "x-kubernetes-list-map-keys", ["type"]],
    [".spec.params", "x-kubernetes-preserve-unknown-fields", true],
    [".status.lastKnownGood.params", "x-kubernetes-preserve-unknown-fields", true],
  ];
  for (const [path, keyword, value] of validation) {
    it(`${path} has ${keyword}`, () => {
      const node = nodeAt(root, path);
      assert.ok(node && keyword in node, `${path} lacks ${keyword}`);
      if (value !== undefined) assert.deepEqual(node[keyword], value);
    });
  }

  it("requires spec and spec.template, and the condition type the list-map is keyed by", () => {
    assert.deepEqual(root["required"], ["spec"]);
    assert.deepEqual(nodeAt(root, ".spec")?.["required"], ["template"]);
    assert.equal(nodeAt(root, ".spec.drift")?.["required"], undefined);
    const condition = (nodeAt(root, ".status.conditions")?.["items"] ?? {}) as CrdSchema;
    assert.ok((condition["required"] as string[]).includes("type"));
  });

  it("has printer columns Template, Phase, Ready, Age that point at schema fields", () => {
    assert.deepEqual(
      version.additionalPrinterColumns.map((c) => c.name),
      ["Template", "Phase", "Ready", "Age"],
    );
    for (const c of version.additionalPrinterColumns) {
      if (c.jsonPath === ".metadata.creationTimestamp") continue;
      const node = nodeAt(root, c.jsonPath);
      assert.ok(node, `${c.name}: ${c.jsonPath} is not in the schema`);
      assert.equal(node["type"], c.type, `${c.name}: column type`);
    }
  });
});

describe("toCrdSchema", () => {
  const cases: Array<{ name: string; schema: CrdSchema; crd: CrdSchema }> = [
    {
      name: "closed object loses additionalProperties, optional fields leave required",
      schema: Type.Object(
        { a: Type.String(), b: Type.Optional(Type.Integer()) },
        { additionalProperties: false },
      ),
      crd: { type: "object", properties: { a: { type: "string" }, b: { type: "integer" } }, required: ["a"] },
    },
    {
      name: "a field with a default is not required",
      schema: Type.Object({ a: Type.String({ default: "x" }), b: Type.String() }),
      crd: {
        type: "object",
        properties: { a: { type: "string", default: "x" }, b: { type: "string" } },
        required: ["b"],
      },
    },
    {
      name: "union of literals becomes an enum with its default",
      schema: Type.Union([Type.Literal("x"), Type.Literal("y")], { default: "x", description: "d" }),
      crd: { type: "string", enum: ["x", "y"], default: "x", description: "d" },
    },
    {
      name: "const becomes a one-value enum",
      schema: Type.Literal(true),
      crd: { type: "boolean", enum: [true] },
    },
    {
      name: "errorMessage and $id are dropped",
      schema: Type.String({ $id: "S", errorMessage: "m", pattern: "^a$" }),
      crd: { type: "string", pattern: "^a$" },
    },
    {
      name: "map keeps its value schema",
      schema: { type: "object", additionalProperties: Type.String() },
      crd: { type: "object", additionalProperties: { type: "string" } },
    },
    {
      name: "free-form object preserves unknown fields",
      schema: Type.Object({}, { additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true }),
      crd: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
    {
      name: "array of ranges",
      schema: Type.Array(Type.Integer({ minimum: 1, maximum: 3 }), { maxItems: 2 }),
      crd: { type: "array", maxItems: 2, items: { type: "integer", minimum: 1, maximum: 3 } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(toCrdSchema(c.schema), c.crd));
  }

  it("throws on a union a CRD cannot express", () => {
    assert.throws(
      () => toCrdSchema(Type.Union([Type.String(), Type.Integer()])),
      /cannot express this union/,
    );
  });
});
