import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChronikCluster } from "../../api/chronik-cluster.ts";
import type { StackPhase, StackStatus } from "../../api/stack.ts";
import {
  chronikClusterAsStack,
  chronikPhase,
  chronikWarnings,
  projectChronikStatus,
  validateChronikCluster,
} from "./chronik-cluster.ts";

const cluster = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): ChronikCluster => ({
  apiVersion: "chronik.stream/v1alpha1",
  kind: "ChronikCluster",
  metadata: { name: "ck", namespace: "streams", generation: 2 },
  spec: {
    controllers: 3,
    ingestNodes: 2,
    storage: { backend: "local" },
    metastore: {
      database: "postgres",
      connection: { host: "pg", port: 5432, database: "chronik", credentialsSecret: "s" },
    },
    ...spec,
  },
  ...(status && { status }),
});

const t0 = "2026-01-01T00:00:00Z";
const engine = (phase: StackPhase, ready: Record<string, boolean>): StackStatus => ({
  phase,
  observedGeneration: 2,
  conditions: [
    {
      type: "Ready",
      status: phase === "Ready" ? "True" : "False",
      reason: "X",
      message: "m",
      lastTransitionTime: t0,
    },
  ],
  components: Object.entries(ready).map(([name, r]) => ({
    name,
    phase: r ? "Ready" : "Progressing",
    ready: r,
    message: name,
  })),
});

describe("ChronikCluster phases", () => {
  const table: Array<[StackPhase | undefined, string]> = [
    [undefined, "Pending"],
    ["Pending", "Pending"],
    ["Installing", "Creating"],
    ["Ready", "Running"],
    ["Upgrading", "Updating"],
    ["Failed", "Failed"],
    ["Deleting", "Deleting"],
  ];
  for (const [from, to] of table) it(`${from ?? "none"} → ${to}`, () => assert.equal(chronikPhase(from), to));
});

describe("ChronikCluster status", () => {
  it("lists endpoints, ready replicas and conditions per role", () => {
    const s = projectChronikStatus(
      engine("Installing", { controllers: true, ingest: false, search: true }),
      cluster(),
    );
    assert.equal(s["phase"], "Creating");
    assert.deepEqual(
      s["controllers"],
      [0, 1, 2].map((i) => `ck-controller-${i}.ck-controller.streams.svc.cluster.local:9090`),
    );
    assert.deepEqual(
      s["ingestNodes"],
      [0, 1].map((i) => `ck-ingest-${i}.ck-ingest.streams.svc.cluster.local:9092`),
    );
    assert.deepEqual(s["searchNodes"], []);
    assert.deepEqual(s["readyReplicas"], { controllers: 3, ingestNodes: 0, searchNodes: 0 });
    const conditions = s["conditions"] as Array<{ type: string; status: string; reason: string }>;
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ["ControllersReady", "True", "ComponentReady"],
        ["IngestNodesReady", "False", "ComponentNotReady"],
        ["SearchNodesReady", "True", "NotRequested"],
        ["Ready", "False", "X"],
      ],
    );
    assert.equal(s["lastUpdated"], t0);
    assert.equal(s["observedGeneration"], 2);
  });

  it("counts the HPA's minimum as expected nodes under autoscaling", () => {
    const s = projectChronikStatus(
      engine("Ready", { controllers: true, ingest: true, search: true }),
      cluster({ searchNodes: 4, autoscaling: { searchNodes: { minReplicas: 2, maxReplicas: 5 } } }),
    );
    assert.equal((s["searchNodes"] as string[])[1], "ck-search-1.ck-search.streams.svc.cluster.local:9093");
    assert.deepEqual(s["readyReplicas"], { controllers: 3, ingestNodes: 2, searchNodes: 2 });
  });

  it("reads nulls as absent: a null autoscaler is none, null search nodes are none", () => {
    const s = projectChronikStatus(
      engine("Ready", { controllers: true, ingest: true }),
      cluster({
        searchNodes: null,
        autoscaling: { controllers: null, ingestNodes: null },
      }),
    );
    assert.equal(s["phase"], "Running");
    assert.deepEqual(s["readyReplicas"], { controllers: 3, ingestNodes: 2, searchNodes: 0 });
    assert.deepEqual(s["searchNodes"], []);
  });

  it("keeps a condition's transition time while its status holds", () => {
    const previous = {
      conditions: [
        { type: "ControllersReady", status: "True", reason: "r", message: "", lastTransitionTime: "early" },
      ],
    };
    const s = projectChronikStatus(engine("Ready", { controllers: true }), cluster({}, previous));
    const c = (s["conditions"] as Array<{ type: string; lastTransitionTime: string }>)[0]!;
    assert.equal(c.lastTransitionTime, "early");
  });
});

describe("ChronikCluster as a stack", () => {
  it("hands the spec to the chronik-cluster template and never shows Chronik's status to the engine", () => {
    const view = chronikClusterAsStack(
      cluster({ autoscaling: { controllers: { minReplicas: 3, maxReplicas: 5 } } }, { phase: "Running" }),
    );
    assert.equal(view.spec.template, "chronik-cluster");
    assert.equal((view.spec.params as { controllers: number }).controllers, 3);
    assert.deepEqual(view.spec.drift.ignore, [
      { kind: "StatefulSet", name: "ck-controller", jsonPointer: "/spec/replicas" },
    ]);
    assert.equal(view.status, undefined);
  });

  const problems: Array<[string, Record<string, unknown>, string[]]> = [
    ["a valid cluster", {}, []],
    ["TLS without its Secret", { security: { tlsEnabled: true } }, ["/spec/security/tlsSecret"]],
    [
      "search autoscaling without search nodes",
      { autoscaling: { searchNodes: { minReplicas: 1, maxReplicas: 2 } } },
      ["/spec/autoscaling/searchNodes"],
    ],
    ["an even number of controllers (allowed)", { controllers: 4 }, []],
  ];
  for (const [what, spec, paths] of problems) {
    it(`validates ${what}`, () =>
      assert.deepEqual(
        validateChronikCluster(cluster(spec)).map((p) => p.split(":")[0]),
        paths,
      ));
  }
});

describe("ChronikCluster warnings", () => {
  const cases: Array<[number | undefined, number]> = [
    [undefined, 0],
    [3, 0],
    [4, 1],
    [1, 0],
    [2, 1],
  ];
  for (const [controllers, count] of cases) {
    it(`${String(controllers)} controllers → ${count} warning(s)`, () => {
      const spec = controllers === undefined ? {} : { controllers };
      const warnings = chronikWarnings(cluster(spec));
      assert.equal(warnings.length, count);
      if (count > 0) assert.match(warnings[0] ?? "", /spec\.controllers/);
    });
  }
});

describe("ChronikCluster fields written as null", () => {
  it("reads them as absent: no parameter, no HPA ignore rule, no problem", () => {
    const c = cluster({
      searchNodes: null,
      autoscaling: { ingestNodes: null },
      network: { dnsPolicy: null },
    });
    const stack = chronikClusterAsStack(c);
    const params = stack.spec.params as Record<string, unknown>;
    assert.deepEqual(params["network"], {});
    assert.equal("searchNodes" in params, false);
    assert.deepEqual(stack.spec.drift.ignore, []);
    assert.deepEqual(validateChronikCluster(c), []);
  });
});
