/**
 * MultigresCluster on the sandbox, through the Stack engine: a cluster whose password Secret is
 * missing waits Initializing, naming it, and becomes Healthy once it exists, with upstream's
 * status (Available, cells, databases) and the pool pods reading the password by reference; a
 * scaled pool is rolled out; a removed cell is refused by the API server (append-only, CEL);
 * deletion goes through upstream's finalizer.
 */
import { startKindOperator } from "../../testing/kind-operator.ts";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { multigresClusterResourceType } from "../../api/multigres-cluster.ts";
import { KubeClient } from "../../kube/client.ts";
import { KubeApiError, isNotFound } from "../../kube/errors.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import type { KubeObject } from "../../api/object.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { multigresClusterBinding, multigresClusterFinalizer } from "./multigres-cluster.ts";

const ns = await useTestNamespace("mgc");
const client = new KubeClient(ns.kc);
const path = (name?: string): string => resourcePath(multigresClusterResourceType, ns.namespace, name);
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };

interface Mgc extends KubeObject {
  status?: {
    phase?: string;
    message?: string;
    observedGeneration?: number;
    conditions?: Array<{ type: string; status: string; message: string }>;
    cells?: Record<string, { ready: boolean; gatewayReplicas: number }>;
    databases?: Record<string, { readyShards: number; totalShards: number }>;
  };
}
interface StatefulSet {
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: Array<{
          name: string;
          env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
        }>;
      };
    };
  };
}

const read = (name: string): Promise<Mgc> => client.request<Mgc>("GET", path(name));
const until = (name: string, what: string, test: (m: Mgc) => boolean): Promise<Mgc> =>
  eventually(
    `${name} ${what}`,
    async () => {
      const m = await read(name);
      return m.status?.observedGeneration === m.metadata.generation && test(m) ? m : undefined;
    },
    { timeoutMs: 180_000, ...explain },
  );

await startKindOperator(ns, [multigresClusterBinding]);
after(() => client.close());

const spec = {
  postgresPasswordSecretRef: { name: "it-pw", key: "password" },
  cells: [
    { name: "a", zoneId: "use1-az1" },
    { name: "b", zoneId: "use1-az2" },
  ],
};

describe("MultigresCluster on the sandbox", () => {
  it("waits Initializing for its password Secret, naming it, then becomes Healthy with upstream's status", async () => {
    await client.request("POST", path(), {
      body: {
        apiVersion: "multigres.com/v1alpha1",
        kind: "MultigresCluster",
        metadata: { name: "it" },
        spec,
      },
      query: { fieldValidation: "Strict" },
    });
    const waiting = await until(
      "it",
      "to wait for Secret/it-pw",
      (m) =>
        m.status?.phase === "Initializing" && JSON.stringify(m.status.conditions).includes("Secret/it-pw"),
    );
    assert.equal(waiting.status?.conditions?.find((c) => c.type === "Available")?.status, "False");
    await client.request("POST", `/api/v1/namespaces/${ns.namespace}/secrets`, {
      body: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "it-pw" },
        stringData: { password: "s3cret-value" },
      },
    });
    const healthy = await until("it", "to be Healthy", (m) => m.status?.phase === "Healthy");
    assert.equal(healthy.status?.conditions?.find((c) => c.type === "Available")?.status, "True");
    assert.deepEqual(healthy.status?.cells, {
      a: { ready: true, gatewayReplicas: 1 },
      b: { ready: true, gatewayReplicas: 1 },
    });
    assert.deepEqual(healthy.status?.databases, { postgres: { readyShards: 1, totalShards: 1 } });
    assert.deepEqual(healthy.metadata.finalizers, [multigresClusterFinalizer]);
    const pool = await client.request<StatefulSet>(
      "GET",
      `/apis/apps/v1/namespaces/${ns.namespace}/statefulsets/it-postgres-default-0-inf-pool-default-b`,
    );
    const env = pool.spec.template.spec.containers.find((c) => c.name === "postgres")?.env ?? [];
    assert.deepEqual(env.find((e) => e.name === "POSTGRES_PASSWORD")?.valueFrom, {
      secretKeyRef: { name: "it-pw", key: "password" },
    });
    assert.doesNotMatch(JSON.stringify(pool), /s3cret-value/);
  });

  it("rolls out a pool scaled through shard overrides", async () => {
    const databases = [
      {
        name: "postgres",
        default: true,
        tablegroups: [
          {
            name: "default",
            default: true,
            shards: [{ name: "0-inf", overrides: { pools: { default: { replicasPerCell: 2 } } } }],
          },
        ],
      },
    ];
    await client.request("PATCH", path("it"), {
      body: { spec: { databases } },
      contentType: "application/merge-patch+json",
    });
    await until("it", "to be Healthy at its new generation", (m) => m.status?.phase === "Healthy");
    const pool = await client.request<StatefulSet>(
      "GET",
      `/apis/apps/v1/namespaces/${ns.namespace}/statefulsets/it-postgres-default-0-inf-pool-default-a`,
    );
    assert.equal(pool.spec.replicas, 2);
  });

  it("refuses removing a cell (append-only), naming spec.cells", async () => {
    const refused = await client
      .request("PATCH", path("it"), {
        body: { spec: { cells: [spec.cells[0]] } },
        contentType: "application/merge-patch+json",
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(refused instanceof KubeApiError, String(refused));
    assert.match(refused.message, /spec\.cells.*Cells cannot be removed or renamed/);
  });

  it("deletes through the finalizer", async () => {
    await client.request("DELETE", path("it"));
    await eventually(
      "it to be gone",
      async () =>
        (await read("it").then(
          () => false,
          (e: unknown) => isNotFound(e),
        )) || undefined,
      { timeoutMs: 120_000, ...explain },
    );
  });
});
