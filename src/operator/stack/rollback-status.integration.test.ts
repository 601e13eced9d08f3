/**
 * Status churn: a stack held in a long rollback (the pod of its last known good spec cannot be
 * created: the namespace's quota allows no pod) is reconciled again and again, and writes its
 * status only when something changes. Counted on its own object, in a namespace of its own.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object.ts";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { startNamespaceOperator } from "../../testing/namespace-operator.ts";
import { KubeClient } from "../../kube/client.ts";
import { Reflector } from "../../kube/reflector.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { healthDeadlineAnnotation } from "./reconcile-stack.ts";

const ns = await useTestNamespace("rollback");
const client = new KubeClient(ns.kc);
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };
const stacks = (name?: string): string => resourcePath(stackResourceType, ns.namespace, name);
const operator = await startNamespaceOperator(ns);
const { manager } = operator;
after(async () => {
  await operator.stop();
  client.close();
});

/** Reconciles of stacks so far (this namespace holds one stack only). */
async function reconciles(): Promise<number> {
  const metric = await manager.registry.getSingleMetric("controller_runtime_reconcile_total")?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels["controller"] === "stack")
    .reduce((sum, v) => sum + v.value, 0);
}

const read = (): Promise<Stack> => client.request<Stack>("GET", stacks("held"));

describe("a stack held in a long rollback", () => {
  it("writes its status only when something changes", async () => {
    await client.request("POST", stacks(), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "held", annotations: { [healthDeadlineAnnotation]: "3" } },
        spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
      },
    });
    const ready = await eventually(
      "held to be Ready and Stable",
      async () => {
        const s = await read();
        return s.status?.phase === "Ready" && s.status.rollout?.state === "Stable" ? s : undefined;
      },
      { timeoutMs: 90_000, ...explain },
    );
    await client.request("PATCH", stacks("held"), {
      body: { spec: { params: { ...ready.spec.params, image: "itzg/minecraft-server:never-ready" } } },
      contentType: "application/merge-patch+json",
    });
    await eventually(
      "the pod of the failing revision",
      async () => {
        const pod = await client
          .request<KubeObject & { spec: { containers: Array<{ image: string }> } }>(
            "GET",
            `/api/v1/namespaces/${ns.namespace}/pods/held-0`,
          )
          .catch(() => undefined);
        return pod?.spec.containers[0]?.image.includes("never-ready") ? true : undefined;
      },
      { timeoutMs: 60_000, ...explain },
    );
    // From now on no pod can be created: the rollback cannot complete.
    await client.request("POST", `/api/v1/namespaces/${ns.namespace}/resourcequotas`, {
      body: {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "no-pods" },
        spec: { hard: { pods: "0" } },
      },
    });
    const rollingBack = await eventually(
      "held to be rolling back",
      async () => {
        const s = await read();
        return s.status?.rollout?.state === "RollingBack" ? s : undefined;
      },
      { timeoutMs: 60_000, ...explain },
    );

    const writes: string[] = [];
    const watch = new Reflector<Stack>({ client, type: stackResourceType, namespace: ns.namespace });
    const watching = new AbortController();
    watch.on((e) => {
      if (e.type === "modified") writes.push(e.object.metadata.resourceVersion ?? "");
    });
    void watch.run(watching.signal);
    await watch.waitForSync();
    const from = await reconciles();
    await eventually(
      "eight more reconciles of the held stack",
      async () => ((await reconciles()) >= from + 8 ? true : undefined),
      {
        timeoutMs: 90_000,
        ...explain,
      },
    );
    watching.abort();

    const held = await read();
    assert.equal(held.status?.rollout?.state, "RollingBack");
    assert.equal(
      held.status?.rollout?.startedAt,
      rollingBack.status?.rollout?.startedAt,
      "startedAt set once",
    );
    assert.equal(held.status?.currentOperation?.startedAt, rollingBack.status?.rollout?.startedAt);
    assert.ok(writes.length <= 2, `${writes.length} status writes in 8 reconciles`);
  });
});
