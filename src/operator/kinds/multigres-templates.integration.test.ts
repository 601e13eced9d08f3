/**
 * MultigresCluster's templates on the sandbox: a cluster naming a ShardTemplate that does not
 * exist goes Degraded with a condition naming the reference, and becomes Healthy with the
 * template's pools once the template is created (the operator watches templates); a changed
 * CellTemplate re-renders the cluster that uses it.
 */
import { startKindOperator } from "../../testing/kind-operator.ts";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { multigresClusterResourceType } from "../../api/multigres-cluster.ts";
import { cellTemplateType, shardTemplateType } from "../../api/multigres-templates.ts";
import type { ResourceType } from "../../api/resource-type.ts";
import type { KubeObject } from "../../api/object.ts";
import { KubeClient } from "../../kube/client.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { multigresClusterBinding } from "./multigres-cluster.ts";

const ns = await useTestNamespace("mgc-tpl");
const client = new KubeClient(ns.kc);
const explain = { timeoutMs: 180_000, explain: () => describeNamespace(ns.kc, ns.namespace) };
const create = (type: ResourceType, name: string, spec: object): Promise<unknown> =>
  client.request("POST", resourcePath(type, ns.namespace), {
    body: { apiVersion: `${type.group}/${type.version}`, kind: type.kind, metadata: { name }, spec },
    query: { fieldValidation: "Strict" },
  });

interface Mgc extends KubeObject {
  status?: {
    phase?: string;
    observedGeneration?: number;
    conditions?: Array<{ type: string; status: string; message: string }>;
    cells?: Record<string, { ready: boolean; gatewayReplicas: number }>;
  };
}
const until = (what: string, test: (m: Mgc) => boolean): Promise<Mgc> =>
  eventually(
    `tc ${what}`,
    async () => {
      const m = await client.request<Mgc>(
        "GET",
        resourcePath(multigresClusterResourceType, ns.namespace, "tc"),
      );
      return m.status?.observedGeneration === m.metadata.generation && test(m) ? m : undefined;
    },
    explain,
  );
const replicasOf = async (kind: "statefulsets" | "deployments", name: string): Promise<number | undefined> =>
  (
    await client
      .request<{ spec: { replicas: number } }>(
        "GET",
        `/apis/apps/v1/namespaces/${ns.namespace}/${kind}/${name}`,
      )
      .catch(() => undefined)
  )?.spec.replicas;

await startKindOperator(ns, [multigresClusterBinding]);
after(() => client.close());

describe("MultigresCluster templates on the sandbox", () => {
  it("goes Degraded naming a missing ShardTemplate, then Healthy with its pools once it exists", async () => {
    await client.request("POST", `/api/v1/namespaces/${ns.namespace}/secrets`, {
      body: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "tc-pw" },
        stringData: { password: "pw-value" },
      },
    });
    await create(cellTemplateType, "tpl-cell", { multigateway: { replicas: 1 } });
    await create(multigresClusterResourceType, "tc", {
      postgresPasswordSecretRef: { name: "tc-pw", key: "password" },
      templateDefaults: { cellTemplate: "tpl-cell", shardTemplate: "tpl-shard" },
      cells: [{ name: "a", zoneId: "use1-az1" }],
    });
    const degraded = await until(
      "to be Degraded naming the ShardTemplate",
      (m) => m.status?.phase === "Degraded",
    );
    const available = degraded.status?.conditions?.find((c) => c.type === "Available");
    assert.equal(available?.status, "False");
    assert.match(
      available?.message ?? "",
      /\/spec\/templateDefaults\/shardTemplate: ShardTemplate "tpl-shard" does not exist/,
    );

    await create(shardTemplateType, "tpl-shard", {
      pools: { main: { type: "readWrite", replicasPerCell: 2 } },
    });
    await until("to be Healthy", (m) => m.status?.phase === "Healthy");
    assert.equal(await replicasOf("statefulsets", "tc-postgres-default-0-inf-pool-main-a"), 2);
  });

  it("re-renders the cluster when its CellTemplate changes", async () => {
    await client.request("PATCH", resourcePath(cellTemplateType, ns.namespace, "tpl-cell"), {
      body: { spec: { multigateway: { replicas: 3 } } },
      contentType: "application/merge-patch+json",
    });
    await eventually(
      "the multigateway to take the template's 3 replicas",
      async () => ((await replicasOf("deployments", "tc-a-multigateway")) === 3 ? true : undefined),
      explain,
    );
    const healthy = await until(
      "to be Healthy with 3 gateways",
      (m) => m.status?.cells?.["a"]?.gatewayReplicas === 3,
    );
    assert.equal(healthy.status?.phase, "Healthy");
  });
});
