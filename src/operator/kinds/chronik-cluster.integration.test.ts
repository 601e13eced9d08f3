/**
 * ChronikCluster on the sandbox, end to end: invalid clusters are refused by
 * the API server with the field path; a minimal cluster waits in Pending for
 * its metastore Secret, reaches Running with the right children and ports,
 * has a deleted child put back, goes through Updating on an image change
 * and is cleaned up through its finalizer; a production-sized cluster
 * reaches Running too.
 */
import { startKindOperator } from "../../testing/kind-operator.ts";
import { typedKindClient } from "../../testing/typed-kind-client.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chronikClusterResourceType, type ChronikCluster } from "../../api/chronik-cluster.ts";
import { KubeApiError, isNotFound } from "../../kube/errors.ts";
import type { KubeObject } from "../../api/object.ts";
import { useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { chronikClusterBinding } from "./chronik-cluster.ts";

const ns = await useTestNamespace("chronik");
const manager = await startKindOperator(ns, [chronikClusterBinding]);
const client = manager.client;

const {
  path: clusters,
  core,
  explain,
  create,
  read,
  inPhase,
} = typedKindClient<ChronikCluster>(client, ns, chronikClusterResourceType, 120_000);
const apps = (name: string): string => `/apis/apps/v1/namespaces/${ns.namespace}/statefulsets/${name}`;
const secret = (name: string): Promise<unknown> =>
  client.request("POST", core("secrets"), {
    body: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name },
      stringData: { username: "u", password: "p" },
    },
  });
const local = { storage: { backend: "local", size: "1Gi" }, metastore: { connection: { host: "pg" } } };
async function reasons(name: string): Promise<string[]> {
  const list = await client.request<{ items: Array<{ reason: string; regarding: { name: string } }> }>(
    "LIST",
    `/apis/events.k8s.io/v1/namespaces/${ns.namespace}/events`,
  );
  return list.items.filter((e) => e.regarding.name === name).map((e) => e.reason);
}

describe("ChronikCluster validation by the API server", () => {
  const table: Array<[string, Record<string, unknown>, string]> = [
    ["zero controllers", { ...local, controllers: 0 }, "spec.controllers"],
    [
      "autoscaling min > max",
      { ...local, autoscaling: { ingestNodes: { minReplicas: 5, maxReplicas: 2 } } },
      "spec.autoscaling.ingestNodes.minReplicas",
    ],
    ["an s3 backend without its block", { ...local, storage: { backend: "s3" } }, "spec.storage.s3"],
  ];
  for (const [what, spec, field] of table) {
    it(`refuses ${what} at ${field}`, async () => {
      const error = await create("invalid", spec).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof KubeApiError, String(error));
      assert.equal(error.status, 422);
      assert.ok(error.message.includes(field), error.message);
    });
  }
});

describe("a minimal ChronikCluster", () => {
  it("waits in Pending for its metastore Secret, then runs", async () => {
    await create("mini", { ...local, controllers: 1, ingestNodes: 1 });
    const pending = await inPhase("mini", "Pending");
    const ready = pending.status?.conditions?.find((c) => c.type === "Ready");
    assert.match(ready?.message ?? "", /chronik-postgres-secret/);
    await secret("chronik-postgres-secret");
    const running = await inPhase("mini", "Running");
    assert.deepEqual(running.status?.controllers, [
      `mini-controller-0.mini-controller.${ns.namespace}.svc.cluster.local:9090`,
    ]);
    assert.deepEqual(running.status?.readyReplicas, { controllers: 1, ingestNodes: 1, searchNodes: 0 });
    assert.deepEqual(
      running.status?.conditions?.map((c) => `${c.type}=${c.status}`),
      ["ControllersReady=True", "IngestNodesReady=True", "SearchNodesReady=True", "Ready=True"],
    );
    assert.ok(running.metadata.finalizers?.includes("chronik.stream/finalizer"));
    const ingest = await client.request<{ spec: { ports: Array<{ name: string; port: number }> } }>(
      "GET",
      core("services", "mini-ingest-client"),
    );
    assert.deepEqual(
      ingest.spec.ports.map((p) => [p.name, p.port]),
      [["kafka", 9092]],
    );
    for (const path of [
      core("serviceaccounts", "mini"),
      core("configmaps", "mini-config"),
      core("services", "mini-controller"),
      apps("mini-controller"),
      apps("mini-ingest"),
    ])
      await client.request("GET", path);
    await assert.rejects(client.request("GET", apps("mini-search")), (e: unknown) => isNotFound(e));
  });

  it("puts back a child deleted out of band", async () => {
    const before = await client.request<KubeObject>("GET", core("services", "mini-ingest-client"));
    await client.request("DELETE", core("services", "mini-ingest-client"));
    await eventually(
      "mini-ingest-client to be recreated",
      async () => {
        const now = await client.request<KubeObject>("GET", core("services", "mini-ingest-client"));
        return now.metadata.uid !== before.metadata.uid ? now : undefined;
      },
      { timeoutMs: 30_000, ...explain },
    );
  });

  it("goes through Updating to Running on an image change", async () => {
    await client.request("PATCH", clusters("mini"), {
      body: { spec: { image: { ingest: "chronik/ingest:v1.0.1" } } },
      contentType: "application/merge-patch+json",
    });
    await inPhase("mini", "Running");
    const set = await client.request<{
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    }>("GET", apps("mini-ingest"));
    assert.equal(set.spec.template.spec.containers[0]?.image, "chronik/ingest:v1.0.1");
    assert.ok((await reasons("mini")).includes("Upgrading"), "an Upgrading event");
  });

  it("is deleted through its finalizer, children first", async () => {
    await client.request("DELETE", clusters("mini"));
    await eventually(
      "mini to be gone",
      async () =>
        (await read("mini").then(
          () => false,
          (e: unknown) => isNotFound(e),
        )) || undefined,
      { timeoutMs: 60_000, ...explain },
    );
    await assert.rejects(client.request("GET", apps("mini-controller")), (e: unknown) => isNotFound(e));
    await assert.rejects(client.request("GET", core("configmaps", "mini-config")), (e: unknown) =>
      isNotFound(e),
    );
  });
});

describe("a production-sized ChronikCluster", () => {
  it("runs 5 controllers, 6 ingest and 4 search nodes with budgets, behind a LoadBalancer", async () => {
    await secret("postgres-credentials");
    await create("prod", {
      controllers: 5,
      ingestNodes: 6,
      searchNodes: 4,
      storage: { backend: "s3", s3: { bucket: "b", region: "us-west-2", endpoint: null }, size: "2Gi" },
      metastore: {
        database: "postgres",
        connection: {
          host: "pg",
          port: 5432,
          database: "chronik_prod",
          credentialsSecret: "postgres-credentials",
        },
      },
      resources: {
        controller: { cpu: "1", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
        ingest: { cpu: "2", memory: "2Gi" },
        search: { cpu: "1", memory: "1Gi" },
      },
      image: {
        controller: "chronik/controller:v1.0.0",
        ingest: "chronik/ingest:v1.0.0",
        search: "chronik/search:v1.0.0",
        pullPolicy: "IfNotPresent",
        pullSecrets: ["regcred"],
      },
      monitoring: { prometheus: true, tracing: true, otlpEndpoint: "http://jaeger:4317" },
      network: { serviceType: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8"] },
      security: { tlsEnabled: false, podSecurityContext: { runAsUser: 1000, runAsNonRoot: true } },
      podDisruptionBudget: { minAvailable: "50%" },
      podAnnotations: { "prometheus.io/scrape": "true" },
      podLabels: { "app.kubernetes.io/component": "distributed-stream-processor" },
      tolerations: [{ key: "chronik-dedicated", operator: "Equal", value: "true", effect: "NoSchedule" }],
    });
    const running = await inPhase("prod", "Running", 180_000);
    assert.deepEqual(running.status?.readyReplicas, { controllers: 5, ingestNodes: 6, searchNodes: 4 });
    assert.equal(running.status?.searchNodes?.length, 4);
    for (const role of ["controller", "ingest", "search"]) {
      await client.request(
        "GET",
        `/apis/policy/v1/namespaces/${ns.namespace}/poddisruptionbudgets/prod-${role}-pdb`,
      );
    }
    const search = await client.request<{ spec: { type: string } }>(
      "GET",
      core("services", "prod-search-client"),
    );
    assert.equal(search.spec.type, "LoadBalancer");
  });

  it("records a warning Event for an even number of controllers, and runs anyway", async () => {
    await secret("even-credentials");
    await create("even", {
      controllers: 2,
      ingestNodes: 1,
      storage: { backend: "local", size: "1Gi" },
      metastore: { database: "postgres", connection: { host: "pg", credentialsSecret: "even-credentials" } },
    });
    await inPhase("even", "Running", 180_000);
    assert.ok((await reasons("even")).includes("SpecWarning"), "a SpecWarning event");
  });

  it("leaves an autoscaled StatefulSet's replicas to its HPA, scaling on its custom metrics too", async () => {
    await client.request("PATCH", clusters("prod"), {
      body: {
        spec: {
          autoscaling: {
            ingestNodes: {
              minReplicas: 6,
              maxReplicas: 9,
              targetCpuUtilizationPercentage: 70,
              customMetrics: [
                { name: "chronik_consumer_lag", targetType: "AverageValue", targetValue: "1k" },
              ],
            },
          },
        },
      },
      contentType: "application/merge-patch+json",
    });
    await eventually(
      "prod-ingest-hpa and a StatefulSet whose replicas stackwarden does not own",
      async () => {
        const hpa = await client.request<{ spec: { metrics: Array<{ type: string }> } }>(
          "GET",
          `/apis/autoscaling/v2/namespaces/${ns.namespace}/horizontalpodautoscalers/prod-ingest-hpa`,
        );
        if (!hpa.spec.metrics.some((m) => m.type === "Pods")) return undefined;
        const set = await client.request<KubeObject>("GET", apps("prod-ingest"));
        const ours = set.metadata.managedFields?.find(
          (m) => m.manager === "stackwarden" && m.operation === "Apply",
        );
        return ours && !JSON.stringify(ours.fieldsV1 ?? {}).includes('"f:replicas"') ? true : undefined;
      },
      { timeoutMs: 30_000, ...explain },
    );
  });
});
