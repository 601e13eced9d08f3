import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  appliedHashAnnotation,
  configHash,
  contains,
  groupByWave,
  needsApply,
  waveOf,
  withAppliedHash,
} from "./desired-state.ts";
import type { KubeObject } from "../api/object.ts";

describe("waveOf", () => {
  const order = [
    "ServiceAccount",
    "ConfigMap",
    "PersistentVolumeClaim",
    "StatefulSet",
    "Service",
    "Deployment",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
  ];
  it("orders RBAC → ConfigMaps/Secrets → PVCs → StatefulSets → Services → Deployments → PDBs → HPAs", () => {
    const waves = order.map(waveOf);
    assert.deepEqual(
      waves,
      [...waves].sort((a, b) => a - b),
    );
    assert.equal(new Set(waves).size, order.length);
  });
  it("puts RoleBindings with Roles, Secrets with ConfigMaps and unknown kinds with Deployments", () => {
    assert.equal(waveOf("RoleBinding"), waveOf("Role"));
    assert.equal(waveOf("Secret"), waveOf("ConfigMap"));
    assert.equal(waveOf("Widget"), waveOf("Deployment"));
  });
  it("groups objects into non-empty waves in apply order", () => {
    const kinds = groupByWave([{ kind: "Service" }, { kind: "ConfigMap" }, { kind: "Secret" }]).map((w) =>
      w.map((o) => o.kind),
    );
    assert.deepEqual(kinds, [["ConfigMap", "Secret"], ["Service"]]);
  });
});

describe("contains", () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ["equal scalars", 3, 3, true],
    ["different scalars", 3, 4, false],
    ["extra live fields are fine", { a: 1, b: 2 }, { a: 1 }, true],
    ["a missing field differs", { b: 2 }, { a: 1 }, false],
    ["nested", { spec: { replicas: 3, x: 1 } }, { spec: { replicas: 3 } }, true],
    ["nested difference", { spec: { replicas: 2 } }, { spec: { replicas: 3 } }, false],
    ["lists compare element by element", [{ name: "a", x: 1 }], [{ name: "a" }], true],
    ["lists of other length differ", [{ name: "a" }, { name: "b" }], [{ name: "a" }], false],
    ["an empty object matches a dropped field", {}, { securityContext: {} }, true],
    ["an empty list matches a dropped field", {}, { tolerations: [] }, true],
    ["null matches a missing field", {}, { x: null }, true],
    ["a string is not a number", { port: "80" }, { port: 80 }, false],
  ];
  for (const [name, live, desired, expected] of cases) {
    it(name, () => assert.equal(contains(live, desired), expected));
  }
});

describe("needsApply", () => {
  const desired = withAppliedHash({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "ns", labels: { a: "1" } },
    data: { k: "v" },
  } as KubeObject);
  const live = (
    patch: Record<string, unknown> = {},
    annotations = desired.metadata.annotations,
  ): KubeObject =>
    ({
      ...desired,
      metadata: { ...desired.metadata, uid: "u", resourceVersion: "9", annotations, managedFields: [] },
      ...patch,
    }) as KubeObject;

  const cases: Array<[string, KubeObject | undefined, boolean]> = [
    ["missing object", undefined, true],
    ["converged object", live(), false],
    ["a field changed by someone else", live({ data: { k: "edited" } }), true],
    ["an older applied configuration", live({}, { [appliedHashAnnotation]: "old" }), true],
    [
      "an object being deleted is left alone",
      { ...live(), metadata: { ...live().metadata, deletionTimestamp: "t" } },
      false,
    ],
  ];
  for (const [name, current, expected] of cases)
    it(name, () => assert.equal(needsApply(desired, current), expected));

  it("hashes configuration independently of key order", () => {
    assert.equal(configHash({ a: 1, b: { c: 2, d: 3 } }), configHash({ b: { d: 3, c: 2 }, a: 1 }));
    assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  });
});
