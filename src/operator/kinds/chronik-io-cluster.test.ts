import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChronikIoCluster } from "../../api/chronik-io-cluster.ts";
import type { StackPhase, StackStatus } from "../../api/stack.ts";
import {
  chronikIoClusterAsStack,
  chronikIoPhase,
  projectChronikIoStatus,
  validateChronikIoCluster,
} from "./chronik-io-cluster.ts";

const cluster = (spec: Record<string, unknown> = {}): ChronikIoCluster =>
  ({
    apiVersion: "chronik.io/v1alpha1",
    kind: "ChronikCluster",
    metadata: { name: "c", namespace: "ns", generation: 4 },
    spec: { replicas: 3, listeners: [], env: [], tolerations: [], ...spec },
    status: { phase: "Bootstrapping", stackwarden: { phase: "Installing" } },
  }) as unknown as ChronikIoCluster;

const t0 = "2026-01-01T00:00:00Z";
const engine = (phase: StackPhase, healthyPods: number[]): StackStatus => ({
  phase,
  observedGeneration: 4,
  conditions: [
    {
      type: "Ready",
      status: phase === "Ready" ? "True" : "False",
      reason: "MissingSecret",
      message: "m",
      lastTransitionTime: t0,
    },
  ],
  resources: [1, 2, 3].map((n) => ({
    apiVersion: "v1",
    kind: "Pod",
    name: `c-${n}`,
    uid: `u${n}`,
    component: "nodes",
    health: healthyPods.includes(n) ? "Healthy" : "Progressing",
  })),
});

describe("chronik.io ChronikCluster phases", () => {
  const table: Array<[StackPhase | undefined, number, string]> = [
    [undefined, 0, "Pending"],
    ["Pending", 0, "Pending"],
    ["Installing", 0, "Bootstrapping"],
    ["Installing", 2, "Degraded"],
    ["Ready", 3, "Running"],
    ["Upgrading", 3, "Updating"],
    ["Failed", 0, "Failed"],
    ["Deleting", 3, "Deleting"],
    ["Paused", 3, "Pending"],
  ];
  for (const [phase, ready, expected] of table) {
    it(`${phase ?? "none"} with ${ready} ready nodes is ${expected}`, () =>
      assert.equal(chronikIoPhase(phase, ready), expected));
  }
});

describe("chronik.io ChronikCluster status", () => {
  it("counts ready nodes from their pods' health and says so in Ready", () => {
    const s = projectChronikIoStatus(engine("Installing", [1, 3]), cluster());
    assert.equal(s["readyNodes"], 2);
    assert.equal(s["desiredNodes"], 3);
    assert.equal(s["phase"], "Degraded");
    assert.deepEqual(
      (s["nodes"] as Array<{ podName: string; ready: boolean }>).map((n) => [n.podName, n.ready]),
      [
        ["c-1", true],
        ["c-2", false],
        ["c-3", true],
      ],
    );
    const [ready] = s["conditions"] as Array<{ reason: string; message: string }>;
    assert.deepEqual([ready!.reason, ready!.message], ["NodesNotReady", "2/3 nodes ready"]);
  });

  it("is Running with AllNodesReady, the headless Service and the served listener", () => {
    const s = projectChronikIoStatus(
      engine("Ready", [1, 2, 3]),
      cluster({ listeners: [{ name: "plain", port: 9093, type: "internal", tls: false }] }),
    );
    assert.equal(s["phase"], "Running");
    assert.equal((s["conditions"] as Array<{ reason: string }>)[0]!.reason, "AllNodesReady");
    assert.equal(s["headlessService"], "c-headless.ns.svc.cluster.local");
    assert.deepEqual(s["listeners"], [
      {
        name: "plain",
        type: "internal",
        bootstrapServers:
          "c-1.ns.svc.cluster.local:9093,c-2.ns.svc.cluster.local:9093,c-3.ns.svc.cluster.local:9093",
      },
    ]);
    assert.equal(s["observedGeneration"], 4);
  });

  it("passes the engine's reason on while Pending", () => {
    const s = projectChronikIoStatus(engine("Pending", []), cluster());
    assert.equal((s["conditions"] as Array<{ reason: string }>)[0]!.reason, "MissingSecret");
  });

  it("shows the engine only its own status and the spec as parameters", () => {
    const stack = chronikIoClusterAsStack(cluster());
    assert.equal(stack.spec.template, "chronik-io-cluster");
    assert.deepEqual(stack.status, { phase: "Installing" });
    assert.equal((stack.spec.params as { replicas: number }).replicas, 3);
  });

  it("refuses a TLS listener without its Secret, naming the field", () => {
    assert.deepEqual(
      validateChronikIoCluster(
        cluster({ listeners: [{ name: "x", port: 9094, type: "internal", tls: true }] }),
      ),
      ["/spec/listeners/0/tlsSecret: is required when tls is true"],
    );
  });
});
