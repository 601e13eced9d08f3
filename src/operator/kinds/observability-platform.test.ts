import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ObservabilityPlatform } from "../../api/observability-platform.ts";
import type { StackStatus } from "../../api/stack.ts";
import {
  observabilityPlatformBinding,
  projectObservabilityStatus,
  validateObservabilityPlatformObject,
} from "./observability-platform.ts";

const platform = (spec: Record<string, unknown>, status?: Record<string, unknown>): ObservabilityPlatform =>
  ({
    apiVersion: "observability.io/v1alpha1",
    kind: "ObservabilityPlatform",
    metadata: { name: "p", namespace: "mon", generation: 2, uid: "u" },
    spec,
    ...(status && { status }),
  }) as unknown as ObservabilityPlatform;
const spec = {
  components: {
    prometheus: { enabled: true, version: "v2.48.0", replicas: 2 },
    grafana: { enabled: false, version: "10.2.0", replicas: 1 },
  },
  paused: false,
};
const cond = (type: string, status: string, message = "", time = "2024-01-01T00:00:00Z") => ({
  type,
  status: status as "True",
  reason: "AsExpected",
  message,
  lastTransitionTime: time,
});
const engine = (
  phase: NonNullable<StackStatus["phase"]>,
  components: NonNullable<StackStatus["components"]>,
  extra: Array<ReturnType<typeof cond>> = [],
): StackStatus => ({
  phase,
  observedGeneration: 2,
  components,
  conditions: [
    cond("Ready", phase === "Ready" ? "True" : "False", `${phase} message`, "2024-01-01T00:00:05Z"),
    cond("Progressing", "False"),
    cond("Degraded", "False"),
    cond("Available", "False"),
    cond("Paused", "False"),
    ...extra,
  ],
});

describe("ObservabilityPlatform status projection", () => {
  for (const [name, e, previous, phase, componentPhase, readyReplicas] of [
    [
      "Ready",
      engine("Ready", [{ name: "prometheus", phase: "Ready", ready: true, message: "ready" }]),
      undefined,
      "Ready",
      "Ready",
      2,
    ],
    [
      "Installing",
      engine("Installing", [{ name: "prometheus", phase: "Progressing", ready: false, message: "x" }]),
      undefined,
      "Installing",
      "Installing",
      0,
    ],
    [
      "Upgrading",
      engine("Upgrading", [{ name: "prometheus", phase: "Progressing", ready: false, message: "x" }]),
      undefined,
      "Upgrading",
      "Upgrading",
      0,
    ],
    ["Failed", engine("Failed", []), undefined, "Failed", "Pending", 0],
    [
      "Deleting keeps the last phase",
      engine("Deleting", [{ name: "prometheus", phase: "Degraded", ready: false, message: "x" }]),
      "Ready",
      "Ready",
      "Failed",
      0,
    ],
    ["Paused keeps the last phase", engine("Paused", []), "Installing", "Installing", "Pending", 0],
  ] as const) {
    it(`maps ${name}`, () => {
      const out = projectObservabilityStatus(e, platform(spec, previous ? { phase: previous } : undefined));
      assert.equal(out["phase"], phase);
      const cs = out["componentStatus"] as Record<
        string,
        { phase: string; version: string; readyReplicas: number }
      >;
      assert.deepEqual(Object.keys(cs), ["prometheus"], "disabled components are not listed");
      assert.equal(cs["prometheus"]?.phase, componentPhase);
      assert.equal(cs["prometheus"]?.version, "v2.48.0");
      assert.equal(cs["prometheus"]?.readyReplicas, readyReplicas);
    });
  }

  it("keeps four conditions, the Ready message, endpoints and a stable reconcile time", () => {
    const out = projectObservabilityStatus(engine("Ready", []), platform(spec));
    assert.deepEqual(
      (out["conditions"] as Array<{ type: string }>).map((c) => c.type),
      ["Ready", "Progressing", "Degraded", "Available"],
    );
    assert.equal(out["message"], "Ready message");
    assert.deepEqual(out["endpoints"], { prometheus: "p-prometheus.mon.svc.cluster.local:9090" });
    assert.equal(out["lastReconcileTime"], "2024-01-01T00:00:05Z");
    assert.equal(out["observedGeneration"], 2);
    assert.deepEqual(
      projectObservabilityStatus(engine("Ready", []), platform(spec)),
      out,
      "same input, same status: no write per reconcile",
    );
  });
});

describe("ObservabilityPlatform validation and Stack view", () => {
  for (const [name, s, problems] of [
    ["no components", { components: {} }, 1],
    [
      "all disabled",
      {
        components: { prometheus: { enabled: false, version: "1.0.0" } },
        alerting: { alertmanager: { enabled: false } },
      },
      1,
    ],
    ["alertmanager only", { components: {}, alerting: { alertmanager: {} } }, 0],
    ["prometheus", spec, 0],
  ] as const) {
    it(`validates ${name}`, () => {
      const out = validateObservabilityPlatformObject(platform(s));
      assert.equal(out.length, problems);
      for (const p of out)
        assert.match(p, /^\/spec\/components: a platform that enables no component is invalid/);
    });
  }

  it("is a Stack of the observability-platform template with the spec as parameters", () => {
    const engineStatus = { phase: "Ready" };
    const view = observabilityPlatformBinding.asStack(
      platform({ ...spec, paused: true }, { phase: "Ready", stackwarden: engineStatus }),
    );
    assert.equal(view.spec.template, "observability-platform");
    assert.equal(view.spec.paused, true);
    assert.deepEqual(view.spec.drift, { policy: "enforce", ignore: [] });
    assert.deepEqual(view.spec.deletionPolicy, { volumes: "Retain" });
    assert.equal((view.spec.params as { components: unknown }).components, spec.components);
    assert.equal(view.status, engineStatus);
    assert.equal(observabilityPlatformBinding.finalizer, "observability.io/finalizer");
  });
});
