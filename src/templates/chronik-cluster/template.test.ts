import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Container, V1StatefulSet } from "@kubernetes/client-node";
import { ChronikClusterSpecSchema, type ChronikClusterSpec } from "../../api/chronik-cluster.ts";
import { validate } from "../../api/validate.ts";
import type { KubeObject } from "../../api/object.ts";
import { render, topologicalLevels, type RenderRoot } from "../../resources/render.ts";
import { canonicalQuantity } from "./build-node-set.ts";
import { chronikCluster, chronikIgnoreRules, chronikPrerequisites } from "./template.ts";

const root: RenderRoot = {
  apiVersion: "chronik.stream/v1alpha1",
  kind: "ChronikCluster",
  name: "ck",
  namespace: "streams",
  uid: "0000-1111",
  generation: 1,
};

function spec(overrides: Record<string, unknown> = {}): ChronikClusterSpec {
  const result = validate(ChronikClusterSpecSchema, {
    storage: { backend: "local", size: "1Gi" },
    metastore: { connection: { host: "pg" } },
    ...overrides,
  });
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}
const objects = (s: ChronikClusterSpec): KubeObject[] => render(chronikCluster, root, s).objects;
const names = (s: ChronikClusterSpec): string[] => objects(s).map((o) => `${o.kind}/${o.metadata.name}`);
function statefulSet(s: ChronikClusterSpec, name: string): V1StatefulSet {
  const o = objects(s).find((x) => x.kind === "StatefulSet" && x.metadata.name === name);
  assert.ok(o, `no StatefulSet ${name}`);
  return o as unknown as V1StatefulSet;
}
const container = (s: ChronikClusterSpec, name: string): V1Container =>
  statefulSet(s, name).spec!.template.spec!.containers[0]!;

const autoscaling = { minReplicas: 2, maxReplicas: 6, targetCpuUtilizationPercentage: 70 };

describe("chronik-cluster parameters", () => {
  it("applies the defaults", () => {
    const s = spec();
    assert.equal(s.controllers, 3);
    assert.equal(s.ingestNodes, 3);
    assert.equal(s.searchNodes, undefined);
    assert.deepEqual(s.metastore, {
      database: "postgres",
      connection: {
        host: "pg",
        port: 5432,
        database: "chronik",
        credentialsSecret: "chronik-postgres-secret",
      },
    });
  });
  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ["zero controllers", { controllers: 0 }, "/controllers"],
    ["zero ingest nodes", { ingestNodes: 0 }, "/ingestNodes"],
    ["negative search nodes", { searchNodes: -1 }, "/searchNodes"],
    ["an unknown backend", { storage: { backend: "hdfs" } }, "/storage/backend"],
    ["a bad quantity", { resources: { ingest: { cpu: "lots" } } }, "/resources/ingest/cpu"],
    ["an unknown field", { replicas: 3 }, "/replicas"],
  ];
  for (const [what, overrides, path] of invalid) {
    it(`refuses ${what} at ${path}`, () => {
      const result = validate(ChronikClusterSpecSchema, {
        storage: { backend: "local" },
        metastore: { connection: { host: "pg" } },
        ...overrides,
      });
      assert.ok(!result.ok);
      assert.ok(
        result.problems.some((p) => p.path === path),
        JSON.stringify(result.problems),
      );
    });
  }
});

describe("chronik-cluster objects", () => {
  const table: Array<[string, Record<string, unknown>, string[]]> = [
    [
      "a minimal cluster (one node each)",
      { controllers: 1, ingestNodes: 1 },
      [
        "ServiceAccount/ck",
        "Role/ck",
        "RoleBinding/ck",
        "ConfigMap/ck-config",
        "StatefulSet/ck-controller",
        "Service/ck-controller",
        "Service/ck-controller-client",
        "StatefulSet/ck-ingest",
        "Service/ck-ingest",
        "Service/ck-ingest-client",
      ],
    ],
    [
      "the defaults: PDBs once a role has two pods, no search",
      {},
      [
        "ServiceAccount/ck",
        "Role/ck",
        "RoleBinding/ck",
        "ConfigMap/ck-config",
        "StatefulSet/ck-controller",
        "Service/ck-controller",
        "Service/ck-controller-client",
        "PodDisruptionBudget/ck-controller-pdb",
        "StatefulSet/ck-ingest",
        "Service/ck-ingest",
        "Service/ck-ingest-client",
        "PodDisruptionBudget/ck-ingest-pdb",
      ],
    ],
    [
      "search nodes with autoscaling",
      { searchNodes: 2, autoscaling: { searchNodes: autoscaling } },
      [
        "StatefulSet/ck-search",
        "Service/ck-search",
        "Service/ck-search-client",
        "PodDisruptionBudget/ck-search-pdb",
        "HorizontalPodAutoscaler/ck-search-hpa",
      ],
    ],
  ];
  for (const [what, overrides, expected] of table) {
    it(`renders ${what}`, () => {
      const all = names(spec(overrides));
      if (what.startsWith("search"))
        for (const n of expected) assert.ok(all.includes(n), `${n} in ${all.join()}`);
      else assert.deepEqual(all, expected);
    });
  }

  it("orders components rbac → config → controllers → ingest and search", () => {
    assert.deepEqual(topologicalLevels(chronikCluster.components), [
      ["rbac"],
      ["config"],
      ["controllers"],
      ["ingest", "search"],
    ]);
  });

  const ports: Array<[string, string, number]> = [
    ["ck-controller", "grpc", 9090],
    ["ck-ingest", "kafka", 9092],
    ["ck-search", "search", 9093],
  ];
  for (const [set, port, number] of ports) {
    it(`${set} serves ${port} on ${number}, metrics on 8080 and health on 8081`, () => {
      const c = container(spec({ searchNodes: 1 }), set);
      assert.deepEqual(
        c.ports?.map((p) => [p.name, p.containerPort]),
        [
          [port, number],
          ["metrics", 8080],
          ["health", 8081],
        ],
      );
      const headless = objects(spec({ searchNodes: 1 })).find(
        (o) => o.kind === "Service" && o.metadata.name === set,
      ) as unknown as {
        spec: { clusterIP: string };
      };
      assert.equal(headless.spec.clusterIP, "None");
    });
  }

  const replicas: Array<[string, Record<string, unknown>, string, number | undefined]> = [
    ["replicas from the spec", { controllers: 5 }, "ck-controller", 5],
    ["no replicas under an HPA", { autoscaling: { ingestNodes: autoscaling } }, "ck-ingest", undefined],
    [
      "spec replicas beside another role's HPA",
      { autoscaling: { ingestNodes: autoscaling } },
      "ck-controller",
      3,
    ],
  ];
  for (const [what, overrides, set, want] of replicas) {
    it(`sets ${what}`, () => assert.equal(statefulSet(spec(overrides), set).spec?.replicas, want));
  }

  it("names an HPA after its role and targets its StatefulSet", () => {
    const hpa = objects(spec({ autoscaling: { controllers: autoscaling } })).find(
      (o) => o.kind === "HorizontalPodAutoscaler",
    ) as KubeObject & { spec: Record<string, unknown> };
    assert.equal(hpa.metadata.name, "ck-controller-hpa");
    assert.deepEqual(hpa.spec["scaleTargetRef"], {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      name: "ck-controller",
    });
    assert.equal(hpa.spec["minReplicas"], 2);
  });

  it("turns custom metrics into Resource, Pods and External metrics", () => {
    const customMetrics = [
      { name: "cpu", targetType: "Utilization", targetValue: "60" },
      { name: "kafka_lag", targetType: "AverageValue", targetValue: "100" },
      { name: "queue_depth", targetType: "Value", targetValue: "1k" },
    ];
    const hpa = objects(
      spec({ autoscaling: { controllers: { minReplicas: 1, maxReplicas: 3, customMetrics } } }),
    ).find((o) => o.kind === "HorizontalPodAutoscaler") as KubeObject & { spec: Record<string, unknown> };
    assert.deepEqual(hpa.spec["metrics"], [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } },
      },
      {
        type: "Pods",
        pods: { metric: { name: "kafka_lag" }, target: { type: "AverageValue", averageValue: "100" } },
      },
      {
        type: "External",
        external: { metric: { name: "queue_depth" }, target: { type: "Value", value: "1k" } },
      },
    ]);
  });

  it("ignores the replicas of autoscaled StatefulSets only", () => {
    assert.deepEqual(chronikIgnoreRules("ck", spec({ autoscaling: { ingestNodes: autoscaling } })), [
      { kind: "StatefulSet", name: "ck-ingest", jsonPointer: "/spec/replicas" },
    ]);
    assert.deepEqual(chronikIgnoreRules("ck", spec()), []);
  });

  it("runs non-root with a read-only root filesystem and no capabilities by default", () => {
    const s = spec();
    const pod = statefulSet(s, "ck-controller").spec!.template.spec!;
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    const c = container(s, "ck-controller");
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext?.capabilities, { drop: ["ALL"] });
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
  });

  it("uses the owner's security contexts as given", () => {
    const s = spec({
      security: { podSecurityContext: { runAsUser: 0 }, containerSecurityContext: { privileged: true } },
    });
    assert.deepEqual(statefulSet(s, "ck-ingest").spec!.template.spec!.securityContext, { runAsUser: 0 });
    assert.deepEqual(container(s, "ck-ingest").securityContext, { privileged: true });
  });

  for (const [network, hostNetwork, dnsPolicy] of [
    [undefined, undefined, undefined],
    [{ hostNetwork: true }, true, "ClusterFirstWithHostNet"],
    [{ hostNetwork: true, dnsPolicy: "Default" }, true, "Default"],
    [{ dnsPolicy: "None" }, undefined, "None"],
  ] as const) {
    it(`puts network ${JSON.stringify(network)} on every pod: hostNetwork ${hostNetwork}, dnsPolicy ${dnsPolicy}`, () => {
      const s = spec(network ? { network } : {});
      for (const name of ["ck-controller", "ck-ingest"]) {
        const pod = statefulSet(s, name).spec!.template.spec!;
        assert.equal(pod.hostNetwork, hostNetwork, name);
        assert.equal(pod.dnsPolicy, dnsPolicy, name);
      }
    });
  }

  it("keeps the selector labels over the owner's pod labels", () => {
    const s = spec({ podLabels: { "app.kubernetes.io/component": "x", team: "data" } });
    const labels = statefulSet(s, "ck-ingest").spec!.template.metadata!.labels!;
    assert.equal(labels["app.kubernetes.io/component"], "ingest");
    assert.equal(labels["team"], "data");
  });

  const quantities: Array<["cpu" | "memory", string, string]> = [
    ["cpu", "0.5", "500m"],
    ["cpu", "2", "2"],
    ["cpu", "2000m", "2"],
    ["memory", "1024Mi", "1Gi"],
    ["memory", "4Gi", "4Gi"],
    ["memory", "1G", "1G"],
  ];
  for (const [kind, given, want] of quantities) {
    it(`writes ${kind} ${given} as ${want}`, () => assert.equal(canonicalQuantity(kind, given), want));
  }

  it("needs the metastore Secret, and the TLS Secret with TLS on", () => {
    assert.deepEqual(
      chronikPrerequisites(spec({ security: { tlsEnabled: true, tlsSecret: "tls" } })).map((p) => p.name),
      ["chronik-postgres-secret", "tls"],
    );
  });

  it("keeps credentials out of the ConfigMap", () => {
    const cm = objects(spec()).find((o) => o.kind === "ConfigMap") as KubeObject & {
      data: Record<string, string>;
    };
    assert.ok(!Object.keys(cm.data).some((k) => /PASSWORD|USERNAME/.test(k)));
    assert.equal(
      cm.data["CHRONIK_CONTROLLER_ENDPOINTS"],
      ["0", "1", "2"].map((i) => `ck-controller-${i}.ck-controller.streams.svc.cluster.local:9090`).join(","),
    );
  });
});
