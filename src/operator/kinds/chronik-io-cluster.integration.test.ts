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
import { useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { startKindOperator } from "../../testing/kind-operator.ts";
import { typedKindClient } from "../../testing/typed-kind-client.ts";
import { chronikIoClusterBinding } from "./chronik-io-cluster.ts";

const ns = await useTestNamespace("chronik-io");
const manager = await startKindOperator(ns, [chronikIoClusterBinding]);
const client = manager.client;

const {
  path: clusters,
  core,
  explain,
  create,
  read,
  inPhase,
} = typedKindClient<ChronikIoCluster>(client, ns, chronikIoClusterResourceType, 180_000);

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

  it("waits in Pending for its admin key Secret, naming the field, then runs", async () => {
    await create("keyed", { replicas: 3, adminApiKeySecret: { name: "keyed-admin", key: "k" } });
    const pending = await eventually(
      "keyed to wait for its Secret",
      async () => {
        const c = await read("keyed");
        const ready = c.status?.conditions?.find((x) => x.type === "Ready");
        return c.status?.phase === "Pending" && ready?.message.includes("adminApiKeySecret") ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, ...explain },
    );
    assert.equal(pending.status?.readyNodes, 0);
    await client.request("POST", core("secrets"), {
      body: { apiVersion: "v1", kind: "Secret", metadata: { name: "keyed-admin" }, stringData: { k: "v" } },
    });
    await inPhase("keyed", "Running");
  });

  it("replaces the node pods when the image changes, and runs again", async () => {
    const before = await client.request<KubeObject>("GET", core("pods", "events-1"));
    await client.request("PATCH", clusters("events"), {
      body: { spec: { image: "ghcr.io/lspecian/chronik-stream:v2.2.24" } },
      contentType: "application/merge-patch+json",
    });
    await inPhase("events", "Running");
    const after = await client.request<KubeObject & { spec: { containers: Array<{ image: string }> } }>(
      "GET",
      core("pods", "events-1"),
    );
    assert.notEqual(after.metadata.uid, before.metadata.uid);
    assert.equal(after.spec.containers[0]!.image, "ghcr.io/lspecian/chronik-stream:v2.2.24");
    assert.equal(after.metadata.labels?.["app.kubernetes.io/version"], "v2.2.24");
  });

  it("goes away through its finalizer, its claims with it", async () => {
    await client.request("DELETE", clusters("keyed"));
    await eventually(
      "keyed to be gone",
      async () => {
        try {
          await read("keyed");
          return undefined;
        } catch (e: unknown) {
          return isNotFound(e) ? true : undefined;
        }
      },
      { timeoutMs: 60_000, intervalMs: 200, ...explain },
    );
    const claims = await client.request<{ items: KubeObject[] }>("LIST", core("persistentvolumeclaims"));
    const left = claims.items.filter(
      (c) => c.metadata.name.startsWith("keyed-") && !c.metadata.deletionTimestamp,
    );
    assert.deepEqual(
      left.map((c) => c.metadata.name),
      [],
    );
  });
});
