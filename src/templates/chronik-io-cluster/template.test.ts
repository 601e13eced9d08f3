import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChronikIoClusterSpecSchema, type ChronikIoClusterSpec } from "../../api/chronik-io-cluster.ts";
import { validate } from "../../api/validate.ts";
import type { V1Pod, V1PodDisruptionBudget, V1Service } from "@kubernetes/client-node";
import type { KubeObject } from "../../api/object.ts";
import { render, type RenderRoot } from "../../resources/render.ts";
import { clusterToml } from "./build-config.ts";
import { imageVersion, nodeEnv, nodeTolerations } from "./build-node.ts";
import { chronikIoCluster, chronikIoPrerequisites } from "./template.ts";

const root: RenderRoot = {
  apiVersion: "chronik.io/v1alpha1",
  kind: "ChronikCluster",
  name: "c",
  namespace: "ns",
  uid: "0000-1111",
  generation: 1,
};

function spec(overrides: Record<string, unknown> = {}): ChronikIoClusterSpec {
  const result = validate(ChronikIoClusterSpecSchema, overrides);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}
const objects = (s: ChronikIoClusterSpec): KubeObject[] => render(chronikIoCluster, root, s).objects;
const find = <T>(s: ChronikIoClusterSpec, kind: string, name: string): T =>
  objects(s).find((o) => o.kind === kind && o.metadata.name === name) as unknown as T;

describe("chronik-io-cluster template", () => {
  it("renders upstream's children, named its way, for every node", () => {
    assert.deepEqual(
      objects(spec()).map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Service/c-headless",
        ...[1, 2, 3].flatMap((n) => [
          `ConfigMap/c-${n}-config`,
          `PersistentVolumeClaim/c-${n}-data`,
          `Service/c-${n}`,
          `Pod/c-${n}`,
        ]),
        "PodDisruptionBudget/c-pdb",
      ],
    );
  });

  const ports = (s: ChronikIoClusterSpec, node: number): Array<[string, number]> =>
    (find<V1Pod>(s, "Pod", `c-${node}`).spec?.containers[0]?.ports ?? []).map((p) => [
      p.name ?? "",
      p.containerPort,
    ]);
  for (const [what, s, node, expected] of [
    [
      "defaults",
      spec(),
      2,
      [
        ["kafka", 9092],
        ["unified-api", 6092],
        ["wal", 9291],
        ["raft", 5001],
        ["admin", 10002],
      ],
    ],
    [
      "the first listener's port and a metrics port",
      spec({ listeners: [{ name: "i", port: 19092, type: "internal" }], metricsPort: 13001 }),
      1,
      [
        ["kafka", 19092],
        ["unified-api", 6092],
        ["wal", 9291],
        ["raft", 5001],
        ["admin", 10001],
        ["metrics", 13001],
      ],
    ],
  ] as const) {
    it(`gives a node its ports: ${what}`, () => assert.deepEqual(ports(s, node), expected));
  }

  it("selects one node's pod per node Service and all nodes in the headless Service and budget", () => {
    const s = spec({ replicas: 5, podDisruptionBudget: { maxUnavailable: 2 } });
    assert.deepEqual(find<V1Service>(s, "Service", "c-4").spec?.selector, {
      "chronik.io/cluster-name": "c",
      "chronik.io/node-id": "4",
    });
    assert.equal(find<V1Service>(s, "Service", "c-headless").spec?.clusterIP, "None");
    assert.deepEqual(find<V1PodDisruptionBudget>(s, "PodDisruptionBudget", "c-pdb").spec, {
      minAvailable: 3,
      selector: { matchLabels: { "chronik.io/cluster-name": "c" } },
    });
  });

  it("writes each node's cluster.toml with itself advertised and every peer", () => {
    const toml = clusterToml("c", "ns", 2, spec());
    assert.match(toml, /^node_id = 2$/m);
    assert.match(toml, /\[advertise\]\nkafka = "c-2\.ns\.svc\.cluster\.local:9092"/);
    assert.equal(toml.match(/\[\[peers\]\]/g)?.length, 3);
    assert.match(toml, /^raft = "c-3\.ns\.svc\.cluster\.local:5001"$/m);
  });

  it("references Secrets in the environment and never copies them", () => {
    const env = nodeEnv({
      cluster: "c",
      namespace: "ns",
      id: 1,
      spec: spec({
        adminApiKeySecret: { name: "k", key: "admin" },
        vectorSearch: { enabled: true, apiKeySecret: { name: "k", key: "openai" } },
        env: [{ name: "X", valueFromSecret: { name: "k", key: "x" } }],
      }),
    });
    const fromSecret = env.filter((e) => e["valueFrom"] !== undefined).map((e) => e["name"]);
    assert.deepEqual(fromSecret, ["CHRONIK_ADMIN_API_KEY", "OPENAI_API_KEY", "X"]);
    assert.ok(env.every((e) => e["valueFrom"] !== undefined || e["value"] !== "admin"));
  });

  it("waits for the Secrets a node reads, naming their fields", () => {
    const s = spec({
      adminApiKeySecret: { name: "a", key: "k" },
      vectorSearch: { enabled: false, apiKeySecret: { name: "v", key: "k" } },
      env: [
        { name: "P", value: "1" },
        { name: "Q", valueFromSecret: { name: "e", key: "k" } },
      ],
    });
    assert.deepEqual(chronikIoPrerequisites(s), [
      { kind: "Secret", name: "a", field: "/adminApiKeySecret/name" },
      { kind: "Secret", name: "e", field: "/env/1/valueFromSecret/name" },
    ]);
  });

  for (const [image, version] of [
    ["ghcr.io/lspecian/chronik-stream:v2.2.23", "v2.2.23"],
    ["localhost:5000/chronik", "latest"],
    ["chronik@sha256:abc", "latest"],
  ] as const) {
    it(`labels the pod with the image's version: ${image}`, () => assert.equal(imageVersion(image), version));
  }

  it("spells tolerations as Kubernetes does and adds the API server's defaults unless covered", () => {
    const t = nodeTolerations(
      spec({
        tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", toleration_seconds: 60 }],
      }),
    );
    assert.deepEqual(t, [
      { key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 60 },
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ]);
  });

  it("refuses two nodes, naming replicas", () => {
    const result = validate(ChronikIoClusterSpecSchema, { replicas: 2 });
    assert.ok(!result.ok && JSON.stringify(result).includes("replicas"));
  });
});
