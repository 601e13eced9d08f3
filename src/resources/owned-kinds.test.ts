import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupOf, ownedKinds, pluralOf } from "./owned-kinds.ts";

describe("owned kinds", () => {
  it("spell their plurals as the API server does", () => {
    const cases: Array<[string, string]> = [
      ["ConfigMap", "configmaps"],
      ["Ingress", "ingresses"],
      ["NetworkPolicy", "networkpolicies"],
      ["HorizontalPodAutoscaler", "horizontalpodautoscalers"],
      ["PersistentVolumeClaim", "persistentvolumeclaims"],
    ];
    for (const [kind, plural] of cases) assert.equal(pluralOf(kind), plural, kind);
  });

  it("name their group, core as the empty string", () => {
    assert.equal(groupOf("v1"), "");
    assert.equal(groupOf("apps/v1"), "apps");
    assert.equal(groupOf("rbac.authorization.k8s.io/v1"), "rbac.authorization.k8s.io");
  });

  it("list each kind once", () => {
    const kinds = ownedKinds.map(([, kind]) => kind);
    assert.equal(new Set(kinds).size, kinds.length);
  });
});
