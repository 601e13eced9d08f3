/**
 * `stackwarden operator --namespaces a,b --leader-elect`, a real process: every watched namespace
 * gets the same predicate and the same resync.
 *
 * - A status-only change to a stack does not queue it, in either namespace: counted with the
 *   process's `workqueue_adds_total` (which counts every add, before deduplication). A label change
 *   on the same object after them is the marker: one watch delivers them in order. The children's
 *   own status (a StatefulSet's counts settling after the stack is Ready) may queue a stack too,
 *   so each stack gets ten status-only changes: a predicate that let them through adds twenty, one
 *   that holds adds the two markers plus at most a few child changes.
 * - A converged stack in either namespace is reconciled again by the periodic resync: a wrong
 *   `status.ready` written behind the operator's back (a status-only change, which queues nothing)
 *   is put right in both namespaces, which nothing but a resync can do.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KubeClient } from "../kube/client.ts";
import { resourcePath } from "../kube/resource-type.ts";
import { stackResourceType } from "../api/stack.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { OperatorFleet, type OperatorFleetOptions } from "../testing/operator-fleet.ts";
import { metricSum } from "../testing/prometheus-text.ts";
import { idle, readStack, reconciles, type ObservedStack } from "../testing/stack-probes.ts";

const a = await useTestNamespace("ns-a");
const b = await useTestNamespace("ns-b");
const client = new KubeClient(a.kc);
after(() => client.close());
const stacks = [
  { namespace: a.namespace, name: "alpha" },
  { namespace: b.namespace, name: "beta" },
] as const;
const fleetOptions: OperatorFleetOptions = {
  kubeconfig: a.kubeconfig,
  leaseNamespace: a.namespace,
  namespaces: [a.namespace, b.namespace],
  replicas: 1,
  installCrds: true,
};
let fleet = await OperatorFleet.start(fleetOptions);
after(() => fleet.stop());

const explain = {
  explain: async () =>
    [
      await describeNamespace(a.kc, a.namespace),
      await describeNamespace(b.kc, b.namespace),
      fleet.describe(),
    ].join("\n"),
};
const path = (s: (typeof stacks)[number]): string => resourcePath(stackResourceType, s.namespace, s.name);
const patch = (url: string, body: unknown): Promise<unknown> =>
  client.request("PATCH", url, { body, contentType: "application/merge-patch+json" });

const converged = (s: (typeof stacks)[number], timeoutMs = 120_000): Promise<ObservedStack> =>
  eventually(
    `${s.namespace}/${s.name} to be Ready`,
    async () => {
      const stack = await readStack(client, s.namespace, s.name);
      return stack.status?.phase === "Ready" && stack.status.observedGeneration === stack.metadata.generation
        ? stack
        : undefined;
    },
    { timeoutMs, ...explain },
  );

/** Waits until the leader has made `count` reconciles of stacks in all and has nothing queued or running. */
async function settled(count: number): Promise<void> {
  const leader = await fleet.leader();
  await eventually(
    `${count} stack reconciles and an idle queue`,
    async () =>
      (await reconciles(leader, "stack")) >= count && (await idle(leader, "stack")) ? true : undefined,
    { timeoutMs: 90_000, ...explain },
  );
}

const adds = async (): Promise<number> =>
  metricSum(await (await fleet.leader()).metrics(), "workqueue_adds_total", { name: "stack" });

describe("an operator watching two namespaces", () => {
  it("installs a stack in each", async () => {
    for (const s of stacks) {
      await client.request("POST", resourcePath(stackResourceType, s.namespace), {
        body: {
          apiVersion: "stackwarden.dev/v1alpha1",
          kind: "Stack",
          metadata: { name: s.name },
          spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
        },
      });
    }
    for (const s of stacks) await converged(s);
  });

  it("does not queue a stack for a status-only change, in either namespace", async () => {
    const leader = await fleet.leader();
    await settled(2);
    const before = await adds();
    const reconciledBefore = await reconciles(leader, "stack");
    const statusChanges = 10;
    for (const s of stacks)
      for (let i = 0; i < statusChanges; i++)
        await patch(`${path(s)}/status`, { status: { ready: `${i}/3` } });
    for (const s of stacks)
      await patch(path(s), { metadata: { labels: { "stackwarden.dev/test-marker": "1" } } });
    // Each label change queues its stack once, after the status change on the same watch.
    await eventually(
      "both label changes to be handled",
      async () =>
        (await reconciles(leader, "stack")) >= reconciledBefore + 2 && (await idle(leader, "stack"))
          ? true
          : undefined,
      { timeoutMs: 60_000, ...explain },
    );
    for (const s of stacks) {
      await eventually(`${s.namespace}/${s.name}'s ready count to be put right`, async () =>
        (await readStack(client, s.namespace, s.name)).status?.ready === "3/3" ? true : undefined,
      );
    }
    const added = (await adds()) - before;
    assert.ok(added >= 2, `each label change queues its stack (${added} adds)`);
    assert.ok(
      added < 2 + statusChanges,
      `${added} adds for 2 label changes and ${2 * statusChanges} status-only changes: status changes were queued`,
    );
  });

  it("resyncs converged stacks in both namespaces", async () => {
    await fleet.stop();
    fleet = await OperatorFleet.start({
      ...fleetOptions,
      installCrds: false,
      extraArgs: ["--resync-period-seconds=5"],
    });
    await settled(2);
    for (const s of stacks) await patch(`${path(s)}/status`, { status: { ready: "0/3" } });
    for (const s of stacks) {
      await eventually(
        `the resync to put ${s.namespace}/${s.name}'s ready count right`,
        async () =>
          (await readStack(client, s.namespace, s.name)).status?.ready === "3/3" ? true : undefined,
        { timeoutMs: 60_000, ...explain },
      );
    }
  });
});
