import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fieldPaths, foreignChanges } from "./drift.ts";
import type { KubeObject, ManagedFieldsEntry } from "../api/object.ts";

describe("fieldPaths", () => {
  const cases: Array<[string, unknown, string[]]> = [
    ["a leaf", { "f:spec": { "f:replicas": {} } }, ["spec.replicas"]],
    [
      "a keyed list item",
      { "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {} } } } },
      ["spec.containers[name=web].image"],
    ],
    ["a set value", { "f:metadata": { "f:finalizers": { 'v:"x"': {} } } }, ['metadata.finalizers[="x"]']],
    ["an object marker alone is the object", { "f:data": { ".": {} } }, ["data"]],
    ["nothing", {}, []],
  ];
  for (const [name, fields, expected] of cases)
    it(name, () => assert.deepEqual(fieldPaths(fields), expected));
});

const entry = (
  manager: string,
  fieldsV1: unknown,
  time = "t1",
  extra: Partial<ManagedFieldsEntry> = {},
): ManagedFieldsEntry => ({
  manager,
  operation: manager === "stackwarden" ? "Apply" : "Update",
  fieldsType: "FieldsV1",
  fieldsV1,
  time,
  ...extra,
});
const deployment = (managedFields: ManagedFieldsEntry[]): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "ns", managedFields },
});
const ourFields = {
  "f:spec": {
    "f:replicas": {},
    "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } } },
  },
};

describe("foreignChanges", () => {
  const previous = deployment([entry("stackwarden", ourFields)]);
  const cases: Array<[string, KubeObject, Array<{ manager: string; fields: string[] }>]> = [
    ["no other manager", deployment([entry("stackwarden", ourFields, "t2")]), []],
    [
      "kubectl scale takes replicas",
      deployment([
        entry("stackwarden", { "f:spec": { "f:template": ourFields["f:spec"]["f:template"] } }),
        entry("kubectl-scale", { "f:spec": { "f:replicas": {} } }, "t2", { subresource: "scale" }),
      ]),
      [{ manager: "kubectl-scale", fields: ["spec.replicas"] }],
    ],
    [
      "kubectl edit changes an image",
      deployment([
        entry("stackwarden", ourFields),
        entry(
          "kubectl-edit",
          {
            "f:spec": {
              "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } } },
            },
          },
          "t2",
        ),
      ]),
      [{ manager: "kubectl-edit", fields: ["spec.template.spec.containers[name=web].image"] }],
    ],
    [
      "a field we never set is not drift",
      deployment([
        entry("stackwarden", ourFields),
        entry("someone", { "f:metadata": { "f:labels": { "f:x": {} } } }, "t2"),
      ]),
      [],
    ],
    [
      "status writes are not drift",
      deployment([
        entry("stackwarden", ourFields),
        entry("kube-controller-manager", { "f:status": { "f:replicas": {} } }, "t2", {
          subresource: "status",
        }),
      ]),
      [],
    ],
  ];
  for (const [name, object, expected] of cases) {
    it(name, () => {
      assert.deepEqual(
        foreignChanges(previous, object).map((c) => ({ manager: c.manager, fields: [...c.fields] })),
        expected,
      );
    });
  }

  it("does not report the same unchanged foreign entry twice", () => {
    const edited = deployment([
      entry("stackwarden", ourFields),
      entry("kubectl-edit", { "f:spec": { "f:replicas": {} } }, "t2"),
    ]);
    const withEdit = deployment([
      entry("stackwarden", ourFields, "t0"),
      entry("kubectl-edit", { "f:spec": { "f:replicas": {} } }, "t2"),
    ]);
    assert.deepEqual(foreignChanges(withEdit, edited), []);
  });
});
