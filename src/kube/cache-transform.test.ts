import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject, ManagedFieldsEntry } from "../api/object.ts";
import { foreignEntry, stripManagedFields } from "./cache-transform.ts";

const ours: ManagedFieldsEntry = { manager: "stackwarden", operation: "Apply", fieldsV1: { "f:spec": {} } };
const status: ManagedFieldsEntry = {
  manager: "kube-controller-manager",
  operation: "Update",
  subresource: "status",
};
const kubectl: ManagedFieldsEntry = {
  manager: "kubectl-edit",
  operation: "Update",
  fieldsV1: { "f:spec": {} },
};
const object = (managedFields?: ManagedFieldsEntry[]): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: {
    name: "s",
    namespace: "n",
    uid: "u",
    resourceVersion: "7",
    ...(managedFields ? { managedFields } : {}),
  },
});

test("stripManagedFields keeps what drift detection reads and nothing else", () => {
  const cases: Array<{
    name: string;
    keep?: (e: ManagedFieldsEntry) => boolean;
    input: KubeObject;
    want: KubeObject;
  }> = [
    { name: "drop all", input: object([ours, status, kubectl]), want: object() },
    {
      name: "other managers kept",
      keep: foreignEntry,
      input: object([ours, status, kubectl]),
      want: object([kubectl]),
    },
    { name: "only ours: field left out", keep: foreignEntry, input: object([ours, status]), want: object() },
    { name: "no managedFields", keep: foreignEntry, input: object(), want: object() },
  ];
  for (const c of cases) assert.deepEqual(stripManagedFields(c.keep)(c.input), c.want, c.name);
});

test("stripManagedFields returns the same object when nothing is dropped, and never mutates", () => {
  const only = object([kubectl]);
  assert.equal(stripManagedFields(foreignEntry)(only), only);
  const full = object([ours, kubectl]);
  stripManagedFields(foreignEntry)(full);
  assert.equal(full.metadata.managedFields?.length, 2);
});
