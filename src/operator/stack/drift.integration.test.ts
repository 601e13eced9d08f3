/**
 * Drift is found by the leader's reconcile from status, level-based: a Service deleted while the
 * operator is down is found and counted once when it starts, and a child the operator prunes
 * itself is never reported as changed by someone else.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { multigresResourceType } from "../../api/multigres.ts";
import type { KubeObject } from "../../api/object.ts";
import { stackResourceType, type Stack, type StackStatus } from "../../api/stack.ts";
import { startNamespaceOperator, type NamespaceOperator } from "../../testing/namespace-operator.ts";
import { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";

const ns = await useTestNamespace("drift");
const client = new KubeClient(ns.kc);
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };
const stacks = (name?: string): string => resourcePath(stackResourceType, ns.namespace, name);
const service = (name: string): string => `/api/v1/namespaces/${ns.namespace}/services/${name}`;

const operator = (): Promise<NamespaceOperator> => startNamespaceOperator(ns);

let running = await operator();
after(async () => {
  await running.stop();
  client.close();
});

/** How many times each reason was recorded about `name` (an Event's series counts repeats). */
async function eventCounts(name: string): Promise<Map<string, number>> {
  const list = await client.request<{
    items: Array<{ reason: string; regarding: { name: string }; series?: { count: number } }>;
  }>("LIST", `/apis/events.k8s.io/v1/namespaces/${ns.namespace}/events`);
  const counts = new Map<string, number>();
  for (const e of list.items.filter((x) => x.regarding.name === name)) {
    counts.set(e.reason, (counts.get(e.reason) ?? 0) + (e.series?.count ?? 1));
  }
  return counts;
}

const readyStack = (name: string): Promise<Stack> =>
  eventually(
    `stack ${name} Ready with its children tracked`,
    async () => {
      const s = await client.request<Stack>("GET", stacks(name));
      return s.status?.phase === "Ready" && s.status.resources?.some((r) => r.kind === "Service")
        ? s
        : undefined;
    },
    { timeoutMs: 90_000, ...explain },
  );

describe("drift found from status", () => {
  it("finds a Service deleted while the operator was stopped, and counts it once", async () => {
    await client.request("POST", stacks(), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "restart" },
        spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
      },
    });
    const ready = await readyStack("restart");
    const gone = ready.status!.resources!.find((r) => r.kind === "Service")!;
    await running.stop();
    await client.request("DELETE", service(gone.name));
    await assert.rejects(client.request("GET", service(gone.name)), (e: unknown) => isNotFound(e));
    running = await operator();

    const corrected = await eventually(
      "the deletion found and corrected",
      async () => {
        const s = await client.request<Stack>("GET", stacks("restart"));
        return (s.status?.drift?.corrections ?? 0) >= 1 ? s : undefined;
      },
      { timeoutMs: 60_000, ...explain },
    );
    const drift = corrected.status!.drift!;
    assert.equal(drift.detected, 1);
    assert.equal(drift.corrections, 1);
    assert.equal(drift.pending, undefined);
    assert.deepEqual(
      [
        drift.lastCorrection?.kind,
        drift.lastCorrection?.name,
        drift.lastCorrection?.change,
        drift.lastCorrection?.uid,
      ],
      ["Service", gone.name, "Deleted", gone.uid],
    );
    const recreated = await client.request<KubeObject>("GET", service(gone.name));
    assert.notEqual(recreated.metadata.uid, gone.uid);
    assert.equal(
      corrected.status!.resources!.find((r) => r.kind === "Service")?.uid,
      recreated.metadata.uid,
      "status tracks the new UID",
    );
    const counts = await eventually("the drift Events", async () => {
      const c = await eventCounts("restart");
      return c.has("DriftCorrected") ? c : undefined;
    });
    assert.equal(counts.get("ResourceDeletedExternally"), 1);
    assert.equal(counts.get("DriftCorrected"), 1);
  });

  it("never reports a child it pruned itself as deleted by someone else", async () => {
    const path = (name?: string): string => resourcePath(multigresResourceType, ns.namespace, name);
    const hpa = `/apis/autoscaling/v2/namespaces/${ns.namespace}/horizontalpodautoscalers/pruned-multigateway`;
    await client.request("POST", path(), {
      body: {
        apiVersion: "multigres.com/v1alpha1",
        kind: "Multigres",
        metadata: { name: "pruned" },
        spec: { multigateway: { autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 3 } } },
      },
    });
    type Mg = KubeObject & { status?: { stackwarden?: StackStatus } };
    await eventually(
      "the HPA tracked in status",
      async () => {
        const m = await client.request<Mg>("GET", path("pruned"));
        return m.status?.stackwarden?.resources?.some((r) => r.kind === "HorizontalPodAutoscaler")
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, ...explain },
    );
    const patched = await client.request<Mg>("PATCH", path("pruned"), {
      body: { spec: { multigateway: { autoscaling: { enabled: false } } } },
      contentType: "application/merge-patch+json",
    });
    const after = await eventually(
      "the HPA pruned and the new generation observed",
      async () => {
        const m = await client.request<Mg>("GET", path("pruned"));
        const seen = (m.status?.stackwarden?.observedGeneration ?? 0) >= (patched.metadata.generation ?? 0);
        const exists = await client.request("GET", hpa).then(
          () => true,
          (e: unknown) => {
            if (isNotFound(e)) return false;
            throw e;
          },
        );
        const tracked = m.status?.stackwarden?.resources?.some((r) => r.kind === "HorizontalPodAutoscaler");
        return seen && !exists && !tracked ? m : undefined;
      },
      { timeoutMs: 60_000, ...explain },
    );
    assert.equal(after.status?.stackwarden?.drift?.detected ?? 0, 0);
    const counts = await eventCounts("pruned");
    assert.equal(counts.get("ResourceDeletedExternally"), undefined);
    assert.equal(counts.get("ResourceModifiedExternally"), undefined);
  });
});
