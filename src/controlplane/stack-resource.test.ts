import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtinTemplateRecords } from "./guardrails.ts";
import { appliedGenerationOf, buildStackResource, stackDriftSpec, stackIdOf } from "./stack-resource.ts";
import type { StackDrift, StackRecord, TemplateRecord } from "./store/records.ts";

const base = builtinTemplateRecords().find((t) => t.name === "minecraft-java");
assert.ok(base);
const template: TemplateRecord = {
  ...base,
  id: "t-1",
  builtin: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "system",
};
/** A catalog version of its own, rendered by the built-in minecraft-java. */
const custom: TemplateRecord = { ...template, name: "survival", version: "2.1.0", defaults: { motd: "hi" } };

const paramsOf = (o: { spec: { params?: object } }): Record<string, unknown> =>
  (o.spec.params ?? {}) as Record<string, unknown>;

function record(over: Partial<StackRecord> = {}): StackRecord {
  return {
    id: "7f3c2a4e-0000-4000-8000-000000000001",
    template: "minecraft-java",
    templateVersion: template.version,
    cluster: "local",
    namespace: "games",
    name: "survival",
    params: { eula: true },
    generation: 3,
    lastAppliedGeneration: 2,
    desiredState: "Active",
    statusSummary: "Progressing",
    drift: { policy: "enforce", ignore: [] },
    power: "Running",
    restartedAt: null,
    powerGeneration: null,
    removedAt: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    createdBy: "alice",
    updatedAt: "2026-01-01T00:00:00.000Z",
    updatedBy: "alice",
    ...over,
  };
}

describe("buildStackResource", () => {
  it("names the base template, carries the ownership labels and applies the defaults", () => {
    const out = buildStackResource(record(), template);
    assert.ok(out.ok);
    const o = out.object;
    assert.equal(o.apiVersion, "stackwarden.dev/v1alpha1");
    assert.equal(o.kind, "Stack");
    assert.deepEqual(o.metadata, {
      name: "survival",
      namespace: "games",
      labels: {
        "app.kubernetes.io/managed-by": "stackwarden",
        "stackwarden.dev/stack-id": "7f3c2a4e-0000-4000-8000-000000000001",
        "stackwarden.dev/generation": "3",
        "stackwarden.dev/template-version": template.version,
      },
    });
    assert.equal(o.spec.template, "minecraft-java");
    assert.equal(o.spec.templateVersion, template.baseVersion);
    assert.equal(paramsOf(o)["eula"], true);
    assert.equal(paramsOf(o)["memory"], "2G");
    assert.equal(paramsOf(o)["storage"], "10Gi");
    assert.equal(o.spec.paused, false);
    assert.deepEqual(o.spec.deletionPolicy, { volumes: "Retain" });
    assert.equal(stackIdOf(o), "7f3c2a4e-0000-4000-8000-000000000001");
    assert.equal(appliedGenerationOf(o), 3);
  });

  it("renders a custom catalog version with its base template, its version label and its defaults", () => {
    const out = buildStackResource(record({ template: "survival", templateVersion: "2.1.0" }), custom);
    assert.ok(out.ok);
    assert.equal(out.object.spec.template, "minecraft-java");
    assert.equal(out.object.metadata.labels?.["stackwarden.dev/template-version"], "2.1.0");
    assert.equal(paramsOf(out.object)["motd"], "hi");
  });

  const pausedCases: Array<[StackRecord["desiredState"], boolean]> = [
    ["Active", false],
    ["Paused", true],
    ["Deleted", false],
  ];
  for (const [state, paused] of pausedCases) {
    it(`desired state ${state} → paused ${paused}`, () => {
      const out = buildStackResource(record({ desiredState: state }), template);
      assert.ok(out.ok);
      assert.equal(out.object.spec.paused, paused);
    });
  }

  it("returns the problems when the stored params no longer validate", () => {
    const out = buildStackResource(record({ params: { eula: true, maxPlayers: -1 } }), template);
    assert.ok(!out.ok);
    assert.deepEqual(
      out.problems.map((p) => p.path),
      ["/maxPlayers"],
    );
  });

  it("is pure: the same record gives deep-equal objects", () => {
    assert.deepEqual(buildStackResource(record(), template), buildStackResource(record(), template));
  });
});

describe("stackDriftSpec", () => {
  const rules = [
    { kind: "StatefulSet", jsonPointer: "/spec/replicas" },
    { kind: "Service", name: "web", jsonPointer: "/spec/type" },
  ];
  const cases: Array<{ drift: StackDrift; expect: ReturnType<typeof stackDriftSpec> }> = [
    { drift: { policy: "enforce", ignore: [] }, expect: { policy: "enforce", ignore: [] } },
    { drift: { policy: "enforce", ignore: rules }, expect: { policy: "enforce", ignore: rules } },
    { drift: { policy: "ignore", ignore: rules }, expect: { policy: "ignore", ignore: rules } },
    { drift: { policy: "adopt", ignore: rules }, expect: { policy: "enforce", ignore: rules } },
  ];
  for (const c of cases) {
    it(`${c.drift.policy} with ${c.drift.ignore.length} rules`, () => {
      assert.deepEqual(stackDriftSpec(c.drift), c.expect);
    });
  }
});
