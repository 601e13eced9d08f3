import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object.ts";
import { withoutIgnored } from "./ignore-rules.ts";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "a" }, { name: "b" }] } } },
} as unknown as KubeObject;

describe("withoutIgnored", () => {
  const cases: Array<[string, Array<{ kind: string; name?: string; jsonPointer: string }>, unknown]> = [
    ["no rule", [], 3],
    ["replicas of every Deployment", [{ kind: "Deployment", jsonPointer: "/spec/replicas" }], undefined],
    ["replicas of another name", [{ kind: "Deployment", name: "api", jsonPointer: "/spec/replicas" }], 3],
    ["another kind", [{ kind: "StatefulSet", jsonPointer: "/spec/replicas" }], 3],
  ];
  for (const [name, rules, replicas] of cases) {
    it(name, () => {
      const out = withoutIgnored(deployment, rules) as unknown as { spec: { replicas?: number } };
      assert.equal(out.spec.replicas, replicas);
    });
  }

  it("removes list items by index and never touches the input", () => {
    const out = withoutIgnored(deployment, [
      { kind: "Deployment", jsonPointer: "/spec/template/spec/containers/0" },
    ]);
    assert.deepEqual(
      (out as unknown as { spec: { template: { spec: { containers: unknown[] } } } }).spec.template.spec
        .containers,
      [{ name: "b" }],
    );
    assert.equal((deployment as unknown as { spec: { replicas: number } }).spec.replicas, 3);
  });
});
