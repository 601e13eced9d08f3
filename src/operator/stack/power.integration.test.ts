/**
 * A game server's power on the sandbox, through the operator: Stopped scales
 * the StatefulSet to zero and keeps the world's volume, drift enforcement
 * keeps it there when someone scales it up, Running brings the pod back, and
 * a new restartedAt rolls the pod.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { KubeClient } from "../../kube/client.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { restartedAtAnnotation } from "../../templates/game-server.ts";
import { eventually } from "../../testing/eventually.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { startNamespaceOperator } from "../../testing/namespace-operator.ts";

const ns = await useTestNamespace("power");
const client = new KubeClient(ns.kc);
const stackPath = resourcePath(stackResourceType, ns.namespace, "world");
const sts = `/apis/apps/v1/namespaces/${ns.namespace}/statefulsets/world`;
const pods = `/api/v1/namespaces/${ns.namespace}/pods`;
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace), timeoutMs: 120_000 };

const operator = await startNamespaceOperator(ns);
after(async () => {
  await operator.stop();
  client.close();
});

interface Workload {
  spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } };
}
interface PodList {
  items: Array<{ metadata: { uid: string }; status: { phase?: string } }>;
}
const read = (): Promise<Stack> => client.request<Stack>("GET", stackPath);
const patchSpec = (spec: Record<string, unknown>): Promise<unknown> =>
  client.request("PATCH", stackPath, { body: { spec }, contentType: "application/merge-patch+json" });
const runningPods = async (): Promise<PodList["items"]> =>
  (await client.request<PodList>("LIST", pods, { query: { labelSelector: "stackwarden.dev/stack=world" } }))
    .items;
const settled = (
  what: string,
  check: (s: Stack, w: Workload, p: PodList["items"]) => boolean,
): Promise<boolean> =>
  eventually(
    what,
    async () => {
      const [s, w, p] = await Promise.all([read(), client.request<Workload>("GET", sts), runningPods()]);
      return s.status?.observedGeneration === s.metadata.generation && check(s, w, p) ? true : undefined;
    },
    explain,
  );

describe("a game server's power", () => {
  it("stops to zero pods keeping the volume, stays stopped under enforce, starts and restarts", async () => {
    await client.request("POST", resourcePath(stackResourceType, ns.namespace), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "world" },
        spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
      },
    });
    await settled("the server to run", (s, _w, p) => s.status?.phase === "Ready" && p.length === 1);

    await patchSpec({ power: "Stopped" });
    await settled(
      "the server to stop",
      (s, w, p) => s.status?.phase === "Ready" && w.spec.replicas === 0 && p.length === 0,
    );
    const claims = await client.request<{ items: unknown[] }>(
      "LIST",
      `/api/v1/namespaces/${ns.namespace}/persistentvolumeclaims`,
    );
    assert.equal(claims.items.length, 1, "the world's volume claim is kept");

    // Someone scales the stopped server up: enforce puts it back to zero.
    await client.request("PATCH", `${sts}/scale`, {
      body: { spec: { replicas: 1 } },
      contentType: "application/merge-patch+json",
      query: { fieldManager: "someone" },
    });
    await eventually(
      "the scale-up to be undone",
      async () => ((await client.request<Workload>("GET", sts)).spec.replicas === 0 ? true : undefined),
      explain,
    );
    // The repair is written to the cluster first, and the stack's status records it after.
    await eventually(
      "the stack's status to count the correction",
      async () => (((await read()).status?.drift?.corrections ?? 0) >= 1 ? true : undefined),
      explain,
    );

    await patchSpec({ power: "Running" });
    await settled(
      "the server to start",
      (s, _w, p) => s.status?.phase === "Ready" && p.some((x) => x.status.phase === "Running"),
    );
    const before = (await runningPods())[0]?.metadata.uid;

    await patchSpec({ restartedAt: "2026-12-01T04:00:00.000Z" });
    await settled(
      "the pod to roll",
      (s, w, p) =>
        s.status?.phase === "Ready" &&
        w.spec.template.metadata.annotations?.[restartedAtAnnotation] === "2026-12-01T04:00:00.000Z" &&
        p.length === 1 &&
        p[0]?.metadata.uid !== before &&
        p[0]?.status.phase === "Running",
    );
  });
});
