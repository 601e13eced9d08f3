/**
 * Two replicas with leader election, in one process: the standby writes nothing, so one
 * out-of-band delete gives exactly one ResourceDeletedExternally Event, one DriftCorrected Event
 * and one count in status, all from the leader.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { KubeClient } from "../../kube/client.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { startKindOperator } from "../../testing/kind-operator.ts";
import { stackBinding } from "./stack-controller.ts";

const ns = await useTestNamespace("leader");
const client = new KubeClient(ns.kc);
after(() => client.close());
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };
const stacks = (name?: string): string => resourcePath(stackResourceType, ns.namespace, name);

const replicas = [
  await startKindOperator(ns, [stackBinding], { leaderElection: true, identity: "replica-a" }),
  await startKindOperator(ns, [stackBinding], { leaderElection: true, identity: "replica-b" }),
];

describe("two replicas with leader election", () => {
  it("report and repair one out-of-band delete once, from the leader only", async () => {
    await client.request("POST", stacks(), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "led" },
        spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
      },
    });
    const ready = await eventually(
      "the stack Ready with its Service tracked",
      async () => {
        const s = await client.request<Stack>("GET", stacks("led"));
        return s.status?.phase === "Ready" && s.status.resources?.some((r) => r.kind === "Service")
          ? s
          : undefined;
      },
      { timeoutMs: 90_000, ...explain },
    );
    const leader = replicas.find((m) => m.isLeader);
    assert.ok(leader, "one replica leads");
    assert.equal(replicas.filter((m) => m.isLeader).length, 1);
    const gone = ready.status!.resources!.find((r) => r.kind === "Service")!;
    await client.request("DELETE", `/api/v1/namespaces/${ns.namespace}/services/${gone.name}`);

    type Event = {
      reason: string;
      reportingInstance?: string;
      regarding: { name: string };
      series?: { count: number };
    };
    const events = await eventually("the drift corrected", async () => {
      const list = await client.request<{ items: Event[] }>(
        "LIST",
        `/apis/events.k8s.io/v1/namespaces/${ns.namespace}/events`,
      );
      const mine = list.items.filter((e) => e.regarding.name === "led");
      return mine.some((e) => e.reason === "DriftCorrected") ? mine : undefined;
    });
    const drift = events.filter((e) => ["ResourceDeletedExternally", "DriftCorrected"].includes(e.reason));
    for (const reason of ["ResourceDeletedExternally", "DriftCorrected"]) {
      const of = drift.filter((e) => e.reason === reason);
      assert.equal(
        of.reduce((n, e) => n + (e.series?.count ?? 1), 0),
        1,
        `one ${reason}`,
      );
    }
    assert.deepEqual([...new Set(drift.map((e) => e.reportingInstance))], [leader.identity]);
    const stack = await client.request<Stack>("GET", stacks("led"));
    assert.equal(stack.status?.drift?.detected, 1);
    assert.equal(stack.status?.drift?.corrections, 1);
  });
});
