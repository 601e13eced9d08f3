import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StackSpecSchema, StackStatusSchema, stackApiVersion, stackResourceType } from "./stack.ts";
import { formatProblem, validate } from "./validate.ts";

describe("Stack spec", () => {
  it("fills the defaults of an owner's minimal spec", () => {
    const result = validate(StackSpecSchema, { template: "minecraft-java", params: { eula: true } });
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      template: "minecraft-java",
      params: { eula: true },
      paused: false,
      drift: { policy: "enforce", ignore: [] },
      deletionPolicy: { volumes: "Retain" },
    });
  });

  const rejected: Array<{ name: string; spec: unknown; problem: string }> = [
    { name: "no template", spec: {}, problem: "/template: is required" },
    { name: "template not a DNS label", spec: { template: "Mine_craft" }, problem: "/template: must match" },
    {
      name: "unknown drift policy",
      spec: { template: "t", drift: { policy: "adopt" } },
      problem: "/drift/policy: must be one of enforce, ignore",
    },
    {
      name: "ignore rule without pointer",
      spec: { template: "t", drift: { ignore: [{ kind: "Deployment" }] } },
      problem: "/drift/ignore/0/jsonPointer: is required",
    },
    {
      name: "bad volumes policy",
      spec: { template: "t", deletionPolicy: { volumes: "Keep" } },
      problem: "/deletionPolicy/volumes: must be one of Retain, Delete",
    },
    { name: "unknown field", spec: { template: "t", colour: 1 }, problem: '/colour: unknown field "colour"' },
  ];
  for (const c of rejected) {
    it(`rejects: ${c.name}`, () => {
      const result = validate(StackSpecSchema, c.spec);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.problems.map(formatProblem).some((p) => p.startsWith(c.problem)));
    });
  }

  it("keeps free-form params as they are", () => {
    const params = { anything: { deep: [1, "two"] } };
    const result = validate(StackSpecSchema, { template: "t", params });
    assert.ok(result.ok);
    assert.deepEqual(result.value.params, params);
  });
});

describe("Stack status", () => {
  it("accepts a full status", () => {
    const status = {
      phase: "Ready",
      observedGeneration: 3,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "AllComponentsReady",
          message: "",
          lastTransitionTime: "2025-01-01T00:00:00Z",
        },
      ],
      components: [{ name: "server", phase: "Ready", ready: true, message: "" }],
      readyComponents: 1,
      totalComponents: 1,
      ready: "1/1",
      currentOperation: { type: "Upgrade", startedAt: "2025-01-01T00:00:00Z", progress: "0/3" },
      rollout: { state: "Upgrading", fromGeneration: 2, toGeneration: 3, startedAt: "2025-01-01T00:00:00Z" },
      lastFailure: { time: "2025-01-01T00:00:00Z", reason: "ApplyFailed", message: "x", retryCount: 2 },
      lastKnownGood: { generation: 2, templateVersion: "1.0.0", params: { eula: true }, renderedHash: "abc" },
      resources: [
        { apiVersion: "v1", kind: "Service", name: "s", uid: "u", component: "service", health: "Healthy" },
      ],
      drift: {
        corrections: 1,
        fights: 0,
        detected: 2,
        lastCorrection: {
          time: "t",
          kind: "Service",
          name: "s",
          change: "Deleted",
          by: "Person",
          fields: [],
          manager: "unknown",
          uid: "u0",
        },
        pending: [
          {
            time: "t",
            kind: "Deployment",
            name: "d",
            change: "Modified",
            by: "Controller",
            fields: ["spec.replicas"],
            manager: "argocd",
          },
        ],
        contested: [
          { kind: "Deployment", name: "d", manager: "argocd", corrections: ["t"], backoffUntil: "t2" },
        ],
      },
      generatedSecrets: ["s-rcon"],
    };
    assert.deepEqual(validate(StackStatusSchema, status), { ok: true, value: status });
  });

  it("rejects an unknown phase", () => {
    assert.equal(validate(StackStatusSchema, { phase: "Running" }).ok, false);
  });
});

describe("stackResourceType", () => {
  it("addresses stacks.stackwarden.dev/v1alpha1", () => {
    assert.deepEqual(stackResourceType, {
      group: "stackwarden.dev",
      version: "v1alpha1",
      kind: "Stack",
      plural: "stacks",
      namespaced: true,
    });
    assert.equal(stackApiVersion, "stackwarden.dev/v1alpha1");
  });
});
