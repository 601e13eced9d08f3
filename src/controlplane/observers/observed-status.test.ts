import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Stack, StackStatus } from "../../api/stack.ts";
import { observationChanged, observationOf, summaryOf } from "./observed-status.ts";

const condition = (
  type: string,
  status: "True" | "False",
  message = "",
): NonNullable<StackStatus["conditions"]>[number] => ({
  type,
  status,
  reason: "Test",
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
});

describe("summaryOf", () => {
  const cases: Array<{ status: StackStatus | undefined; summary: string }> = [
    { status: undefined, summary: "Progressing" },
    { status: { phase: "Pending" }, summary: "Progressing" },
    { status: { phase: "Installing" }, summary: "Progressing" },
    { status: { phase: "Upgrading" }, summary: "Progressing" },
    { status: { phase: "Deleting" }, summary: "Progressing" },
    { status: { phase: "Ready" }, summary: "Healthy" },
    { status: { phase: "Paused" }, summary: "Healthy" },
    { status: { phase: "Failed" }, summary: "Error" },
    { status: { phase: "Ready", conditions: [condition("Degraded", "True")] }, summary: "Degraded" },
    { status: { phase: "Ready", conditions: [condition("Degraded", "False")] }, summary: "Healthy" },
    { status: { phase: "Failed", conditions: [condition("Degraded", "True")] }, summary: "Error" },
  ];
  for (const c of cases) {
    it(`${c.status?.phase ?? "no phase"} ${JSON.stringify(c.status?.conditions?.map((x) => `${x.type}=${x.status}`) ?? [])} → ${c.summary}`, () =>
      assert.equal(summaryOf(c.status ? { status: c.status } : {}), c.summary));
  }
});

describe("observationOf", () => {
  const live: Stack = {
    apiVersion: "stackwarden.dev/v1alpha1",
    kind: "Stack",
    metadata: { name: "s", generation: 4 },
    spec: {
      template: "t",
      paused: false,
      drift: { policy: "enforce", ignore: [] },
      deletionPolicy: { volumes: "Retain" },
    },
    status: {
      phase: "Ready",
      observedGeneration: 4,
      ready: "3/3",
      conditions: [condition("Ready", "True", "all components ready")],
      components: [{ name: "server", phase: "Ready", ready: true, message: "" }],
    },
  };

  it("takes phase, generations, conditions, components and the Ready message", () => {
    assert.deepEqual(observationOf("id", live), {
      stackId: "id",
      phase: "Ready",
      observedGeneration: 4,
      resourceGeneration: 4,
      conditions: live.status?.conditions,
      components: live.status?.components,
      ready: "3/3",
      message: "all components ready",
    });
  });

  it("a resync of the same Stack is no change; a new phase is", () => {
    const a = observationOf("id", live);
    assert.equal(observationChanged(undefined, a), true);
    assert.equal(observationChanged(a, observationOf("id", structuredClone(live))), false);
    assert.equal(observationChanged(a, { ...a, phase: "Upgrading" }), true);
  });
});
