import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object.ts";
import type { TrackedResource } from "../../api/stack.ts";
import { withAppliedHash } from "../../kube/desired-state.ts";
import { differingFields, driftKey, findDrift } from "./find-drift.ts";

const now = "2026-01-01T00:00:00.000Z";
const desired: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "cfg", namespace: "ns" },
  data: { MOTD: "hi" },
} as KubeObject;
const ours = (o: KubeObject, uid = "u1", extra: Partial<KubeObject["metadata"]> = {}): KubeObject => {
  const stamped = withAppliedHash(o);
  return { ...stamped, metadata: { ...stamped.metadata, uid, ...extra } };
};
const tracked: TrackedResource = {
  apiVersion: "v1",
  kind: "ConfigMap",
  name: "cfg",
  uid: "u1",
  component: "c",
  health: "Healthy",
};
const edited = (manager: string): KubeObject =>
  ({
    ...ours(desired, "u1", {
      managedFields: [
        { manager: "stackwarden", operation: "Apply", fieldsV1: { "f:data": { "f:MOTD": {} } } },
        { manager, operation: "Update", time: "t1", fieldsV1: { "f:data": { "f:MOTD": {} } } },
      ],
    }),
    data: { MOTD: "edited" },
  }) as KubeObject;

describe("findDrift", () => {
  const cases: Array<
    [string, readonly TrackedResource[], KubeObject | undefined, Array<Partial<Record<string, unknown>>>]
  > = [
    ["nothing when live holds what we want", [tracked], ours(desired), []],
    [
      "a tracked child gone is a deletion by a person",
      [tracked],
      undefined,
      [{ change: "Deleted", by: "Person", uid: "u1" }],
    ],
    [
      "a tracked child replaced (another UID) is a deletion",
      [tracked],
      ours(desired, "u2"),
      [{ change: "Deleted", uid: "u1" }],
    ],
    ["a child never tracked and missing is not drift (it is being created)", [], undefined, []],
    [
      "an edit by kubectl-edit is a person's",
      [tracked],
      edited("kubectl-edit"),
      [{ change: "Modified", by: "Person", manager: "kubectl-edit", fields: ["data.MOTD"] }],
    ],
    [
      "an edit by another controller is a controller's",
      [tracked],
      edited("argocd"),
      [{ change: "Modified", by: "Controller", manager: "argocd" }],
    ],
    [
      "a difference no other manager owns is not drift (apply puts it right)",
      [tracked],
      { ...ours(desired), data: { MOTD: "normalised" } } as KubeObject,
      [],
    ],
    [
      "a child applied from an older spec (another hash) is our own change, not drift",
      [tracked],
      { ...ours({ ...desired, data: { MOTD: "old" } } as KubeObject) },
      [],
    ],
    [
      "a child being deleted is left to the next pass",
      [tracked],
      { ...edited("x"), metadata: { ...edited("x").metadata, deletionTimestamp: now } },
      [],
    ],
  ];
  for (const [name, tracking, live, want] of cases) {
    it(name, () => {
      const found = findDrift({ tracked: tracking, desired: [desired], live: () => live, now });
      assert.equal(found.length, want.length);
      for (const [i, w] of want.entries())
        for (const [k, v] of Object.entries(w))
          assert.deepEqual((found[i] as unknown as Record<string, unknown>)[k], v, k);
    });
  }
});

describe("driftKey", () => {
  it("tells deletions of different UIDs apart, and modifications of one object alike", () => {
    assert.notEqual(
      driftKey({ kind: "S", name: "a", change: "Deleted", uid: "1" }),
      driftKey({ kind: "S", name: "a", change: "Deleted", uid: "2" }),
    );
    assert.equal(
      driftKey({ kind: "S", name: "a", change: "Modified" }),
      driftKey({ kind: "S", name: "a", change: "Modified", uid: "x" }),
    );
  });
});

describe("differingFields", () => {
  const cases: Array<[string, unknown, unknown, string[]]> = [
    ["equal", { a: 1 }, { a: 1 }, []],
    ["a scalar", { spec: { replicas: 2 } }, { spec: { replicas: 1 } }, ["spec.replicas"]],
    [
      "a named list item",
      { c: [{ name: "web", image: "b" }] },
      { c: [{ name: "web", image: "a" }] },
      ["c[name=web].image"],
    ],
    ["a list of another length", { c: [1, 2] }, { c: [1] }, ["c"]],
    ["a missing map", {}, { data: { k: "v" } }, ["data"]],
  ];
  for (const [name, live, want, fields] of cases)
    it(name, () => assert.deepEqual(differingFields(live, want), fields));
});
