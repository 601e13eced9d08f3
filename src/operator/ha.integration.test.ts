/**
 * The operator as it ships: two `stackwarden operator --leader-elect` processes on the sandbox.
 * Drift is reported once, by the leader alone; the leader's own prunes are never drift; a leader
 * SIGKILLed in the middle of an upgrade is succeeded by one that carries on the same rollout; a
 * Service deleted while no operator runs is found and counted once one starts.
 *
 * "Both replicas have looked" is proven, never waited for by the clock: the leader is SIGTERMed
 * (it drains and writes its pending Events before it releases the Lease), the other takes over and
 * reconciles every stack (its reconcile count and an idle queue on its /metrics), and the same is
 * done the other way round.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KubeClient } from "../kube/client.ts";
import { resourcePath } from "../kube/resource-type.ts";
import { stackResourceType } from "../api/stack.ts";
import { chronikClusterApiVersion, chronikClusterResourceType } from "../api/chronik-cluster.ts";
import type { KubeObject } from "../api/object.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { useOperatorFleet, type OperatorReplica } from "../testing/operator-fleet.ts";
import {
  externalDriftReasons,
  idle,
  listEvents,
  occurrences,
  readStack,
  reconciles,
  stackStatusFields,
  type ObservedStack,
  type RolloutStatus,
} from "../testing/stack-probes.ts";

const ns = await useTestNamespace("ha");
const client = new KubeClient(ns.kc);
const fleet = await useOperatorFleet({
  kubeconfig: ns.kubeconfig,
  leaseNamespace: ns.namespace,
  namespaces: [ns.namespace],
  replicas: 2,
  installCrds: true,
});

const healthDeadlineAnnotation = "stackwarden.dev/health-deadline-seconds";
const core = (plural: string, name?: string): string =>
  `/api/v1/namespaces/${ns.namespace}/${plural}${name ? `/${name}` : ""}`;
const explain = {
  explain: async () => `${await describeNamespace(ns.kc, ns.namespace)}\n${fleet.describe()}`,
};
const read = (name: string): Promise<ObservedStack> => readStack(client, ns.namespace, name);
const java = (params: Record<string, unknown> = {}): Record<string, unknown> => ({
  template: "minecraft-java",
  params: { eula: true, memory: "1G", ...params },
});

async function createStack(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.request("POST", resourcePath(stackResourceType, ns.namespace), {
    body: { apiVersion: "stackwarden.dev/v1alpha1", kind: "Stack", metadata: { name }, spec },
  });
}

const ready = (name: string, timeoutMs = 120_000): Promise<ObservedStack> =>
  eventually(
    `stack ${name} to be Ready`,
    async () => {
      const s = await read(name);
      return s.status?.phase === "Ready" && s.status.observedGeneration === s.metadata.generation
        ? s
        : undefined;
    },
    { timeoutMs, ...explain },
  );

/** Waits until `leader` has reconciled at least `count` objects of `controller` and has nothing queued. */
async function looked(leader: OperatorReplica, controller: string, count: number): Promise<void> {
  await eventually(
    `${leader.slot} to reconcile ${count} ${controller} objects and go idle`,
    async () =>
      (await reconciles(leader, controller)) >= count && (await idle(leader, controller)) ? true : undefined,
    { timeoutMs: 90_000, ...explain },
  );
}

/**
 * Makes each replica lead once more and reconcile every object of `controller` (`count` of them),
 * each leader SIGTERMed after so its pending Events are written. Afterwards nothing either replica
 * saw can still be on its way.
 */
async function bothHaveLooked(controller: string, count: number): Promise<void> {
  for (let turn = 0; turn < 2; turn++) {
    const next = await fleet.handOver();
    await looked(next, controller, count);
  }
}

const uidOf = async (path: string): Promise<string | undefined> =>
  (await client.request<KubeObject>("GET", path).catch(() => undefined))?.metadata.uid;

describe("two operator replicas with leader election", () => {
  it("report one out-of-band delete exactly once: one Event of each reason and one count in status", async () => {
    await createStack("kept", java());
    await ready("kept");
    const before = await uidOf(core("services", "kept"));
    assert.ok(before, "the Service exists");
    await client.request("DELETE", core("services", "kept"));
    await eventually("the Service to be put back", async () => {
      const uid = await uidOf(core("services", "kept"));
      return uid && uid !== before ? uid : undefined;
    });
    await eventually(
      "the drift Events and the count in status",
      async () => {
        const events = await listEvents(client, ns.namespace);
        const stack = await read("kept");
        return occurrences(events, "ResourceDeletedExternally") >= 1 &&
          occurrences(events, "DriftCorrected") >= 1 &&
          (stack.status?.drift?.corrections ?? 0) >= 1
          ? true
          : undefined;
      },
      explain,
    );

    await bothHaveLooked("stack", 1);
    const events = await listEvents(client, ns.namespace);
    const about = ["kept"];
    assert.equal(occurrences(events, "ResourceDeletedExternally", about), 1, "ResourceDeletedExternally");
    assert.equal(occurrences(events, "DriftCorrected", about), 1, "DriftCorrected");
    assert.equal(occurrences(events, "ResourceModifiedExternally", about), 0, "ResourceModifiedExternally");
    assert.equal(
      new Set(events.filter((e) => e.reason === "DriftCorrected").map((e) => e.reportingInstance)).size,
      1,
    );
    const stack = await read("kept");
    assert.equal(stack.status?.drift?.corrections, 1);
  });

  it("never reports a child the leader prunes as changed or deleted externally", async () => {
    await client.request("POST", core("secrets"), {
      body: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "chronik-postgres-secret" },
        stringData: { username: "u", password: "p" },
      },
    });
    const clusters = (name?: string): string => resourcePath(chronikClusterResourceType, ns.namespace, name);
    await client.request("POST", clusters(), {
      body: {
        apiVersion: chronikClusterApiVersion,
        kind: "ChronikCluster",
        metadata: { name: "pruned" },
        spec: {
          storage: { backend: "local", size: "1Gi" },
          metastore: { connection: { host: "pg" } },
          controllers: 1,
          ingestNodes: 1,
          searchNodes: 1,
        },
      },
    });
    const running = (what: string): Promise<unknown> =>
      eventually(
        what,
        async () => {
          const c = await client.request<
            KubeObject & { status?: { phase?: string; observedGeneration?: number } }
          >("GET", clusters("pruned"));
          return c.status?.phase === "Running" && c.status.observedGeneration === c.metadata.generation
            ? true
            : undefined;
        },
        { timeoutMs: 180_000, ...explain },
      );
    await running("the cluster to run with a search node");
    const search = `/apis/apps/v1/namespaces/${ns.namespace}/statefulsets/pruned-search`;
    assert.ok(await uidOf(search), "the search StatefulSet exists");

    await client.request("PATCH", clusters("pruned"), {
      body: { spec: { searchNodes: 0 } },
      contentType: "application/merge-patch+json",
    });
    await eventually("the search StatefulSet to be pruned", async () =>
      (await uidOf(search)) === undefined ? true : undefined,
    );
    await running("the cluster to run without search nodes");

    await bothHaveLooked("chronikcluster", 1);
    const events = await listEvents(client, ns.namespace);
    const cluster = await client.request<
      KubeObject & { status?: { stackwarden?: { drift?: { corrections?: number } } } }
    >("GET", clusters("pruned"));
    for (const reason of [...externalDriftReasons, "DriftCorrected"]) {
      const seen = events.filter((e) => e.reason === reason && e.regarding.name.startsWith("pruned"));
      assert.deepEqual(
        seen.map((e) => `${e.regarding.kind}/${e.regarding.name}: ${e.note ?? ""}`),
        [],
        `${reason} after a prune`,
      );
    }
    assert.equal(cluster.status?.stackwarden?.drift?.corrections ?? 0, 0);
  });

  it("carries on the same rollout after the leader is SIGKILLed mid-upgrade", async () => {
    await createStack("upgrade", java());
    const installed = await ready("upgrade");
    // The new image never becomes Ready; the deadline holds the upgrade open past a takeover (~15 s).
    await client.request("PATCH", resourcePath(stackResourceType, ns.namespace, "upgrade"), {
      body: {
        metadata: { annotations: { [healthDeadlineAnnotation]: "40" } },
        spec: { params: { ...(installed.spec.params ?? {}), image: "itzg/minecraft-server:never-ready" } },
      },
      contentType: "application/merge-patch+json",
    });
    const seen: RolloutStatus[] = [];
    const observe = async (): Promise<ObservedStack> => {
      const s = await read("upgrade");
      if (s.status?.rollout) seen.push(s.status.rollout);
      return s;
    };
    const upgrading = await eventually(
      "the upgrade to start",
      async () => {
        const s = await observe();
        const r = s.status?.rollout;
        return r?.state === "Upgrading" && r.toGeneration === s.metadata.generation ? r : undefined;
      },
      { intervalMs: 100, ...explain },
    );
    const killed = await fleet.leader();
    await fleet.kill(killed, "SIGKILL");
    const successor = await fleet.leader();
    assert.notEqual(successor.slot, killed.slot);
    await fleet.restart(killed);

    const final = await eventually(
      "the upgrade to end in Ready or in a rollback",
      async () => {
        const s = await observe();
        const r = s.status?.rollout;
        const stable =
          r?.state === "Stable" && r.toGeneration === upgrading.toGeneration && s.status?.phase === "Ready";
        // A rollback is an operation of its own: from the failed generation back to the last good one.
        const rolledBack = r?.state === "RolledBack" && r.fromGeneration === upgrading.toGeneration;
        return stable || rolledBack ? r : undefined;
      },
      {
        timeoutMs: 180_000,
        explain: async () =>
          `rollouts seen (distinct): ${JSON.stringify([...new Set(seen.map((r) => JSON.stringify(r)))])}\n${await explain.explain()}`,
      },
    );
    assert.equal(final.state, "RolledBack", "an image that is never Ready is rolled back");
    const operation = seen.filter(
      (r) => r.state === "Upgrading" && r.toGeneration === upgrading.toGeneration,
    );
    assert.deepEqual(
      [...new Set(operation.map((r) => `${r.fromGeneration} ${r.startedAt}`))],
      [`${upgrading.fromGeneration} ${upgrading.startedAt}`],
      `one operation: the same fromGeneration and startedAt before and after the takeover (${await stackStatusFields(client)})`,
    );
    const states = [...new Set(seen.map((r) => r.state))];
    assert.ok(!states.includes("Installing"), `states seen: ${states.join(" → ")}`);
    const rollback = seen.filter((r) => r.state === "RollingBack" || r.state === "RolledBack");
    assert.equal(new Set(rollback.map((r) => r.startedAt)).size, 1, "one rollback, started once");
    // Only the successor can have decided the rollback: the killed leader was gone before the deadline.
    const rollbackEvents = (await listEvents(client, ns.namespace)).filter(
      (e) => e.regarding.name === "upgrade" && /RollingBack|RolledBack|UpgradeFailed/.test(e.reason),
    );
    assert.ok(rollbackEvents.length > 0, "the rollback is reported");
    assert.deepEqual(
      [...new Set(rollbackEvents.map((e) => e.reportingInstance))],
      [successor.identity],
      "reported by the new leader",
    );
  });

  it("finds and counts a Service deleted while no replica runs, once one starts", async () => {
    await createStack("offline", java());
    await ready("offline");
    for (const replica of fleet.replicas) await fleet.kill(replica, "SIGTERM");
    const uid = await uidOf(core("services", "offline"));
    await client.request("DELETE", core("services", "offline"));
    for (const replica of fleet.replicas) await fleet.restart(replica);
    await eventually("the Service to be put back", async () => {
      const now = await uidOf(core("services", "offline"));
      return now && now !== uid ? now : undefined;
    });
    await eventually(
      "the deletion to be counted",
      async () => ((await read("offline")).status?.drift?.corrections === 1 ? true : undefined),
      {
        explain: async () =>
          `drift: ${JSON.stringify((await read("offline")).status?.drift)}\n${await explain.explain()}`,
      },
    );
    await bothHaveLooked("stack", 3);
    const events = await listEvents(client, ns.namespace);
    assert.equal(occurrences(events, "ResourceDeletedExternally", ["offline"]), 1);
    assert.equal(occurrences(events, "DriftCorrected", ["offline"]), 1);
    assert.equal((await read("offline")).status?.drift?.corrections, 1);
  });
});
