import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends } from "../../testing/databases.ts";
import { builtinTemplateRecords } from "../guardrails.ts";
import type { AgentObservation } from "./agent-store.ts";
import type { Store } from "./store.ts";

const versions = { agentVersion: "0.1.0", kubernetesVersion: "v1.34.0" };

async function stackOn(store: Store, cluster: string, name: string): Promise<string> {
  const t = builtinTemplateRecords().find((x) => x.name === "minecraft-java");
  assert.ok(t);
  const { stack } = await store.stacks.create(
    {
      template: t.name,
      templateVersion: t.version,
      cluster,
      namespace: "games",
      name,
      params: { eula: true },
      drift: { policy: "enforce", ignore: [] },
    },
    "alice",
  );
  return stack.id;
}

const drift = (seq: number, stackId: string): AgentObservation => ({
  seq,
  stackId,
  kind: "event",
  type: "DriftCorrected",
  actor: "agent",
  data: { n: seq },
});

for (const backend of storeBackends) {
  describe(`agent store on ${backend.name}`, () => {
    it("joins once, authenticates only the current credential, rotates and revokes", async () => {
      const store = await backend.open();
      const { cluster, joinToken } = await store.agents.addAgentCluster("edge", "", "alice");
      assert.equal(cluster.mode, "agent");
      assert.equal(cluster.agentJoined, false);
      // As the HTTP route passes it: the whole join request, token included.
      const request = { ...versions, joinToken };
      const joined = await store.agents.join(joinToken, request);
      assert.equal(joined?.cluster, "edge");
      const [event] = await store.events({ types: ["AgentJoined"], limit: 1 });
      assert.deepEqual(event?.data, { cluster: "edge", ...versions }, "the join token is not recorded");
      assert.equal(await store.agents.join(joinToken, versions), undefined, "a join token works once");
      assert.equal(await store.agents.authenticate(joined?.credential ?? ""), "edge");
      const rotated = await store.agents.rotate("edge");
      assert.equal(await store.agents.authenticate(joined?.credential ?? ""), undefined);
      assert.equal(await store.agents.authenticate(rotated), "edge");
      await store.agents.revoke("edge", "alice");
      assert.equal(await store.agents.authenticate(rotated), undefined);
      const listed = (await store.catalog.listClusters()).find((c) => c.name === "edge");
      assert.equal(listed?.agentJoined, false);
      assert.equal(listed?.kubernetesVersion, "v1.34.0");
    });

    it("records observations once by sequence number, and a dropped range once", async () => {
      const store = await backend.open();
      await store.catalog.syncBuiltins(builtinTemplateRecords());
      await store.agents.addAgentCluster("edge", "", "alice");
      const id = await stackOn(store, "edge", "s1");
      const first = await store.agents.recordObservations("edge", [drift(1, id), drift(2, id)]);
      assert.deepEqual(first, { ack: 2, recorded: 2 });
      const dropped = { count: 3, fromSeq: 3, toSeq: 5 };
      const replay = await store.agents.recordObservations("edge", [drift(2, id), drift(6, id)], dropped);
      assert.deepEqual(replay, { ack: 6, recorded: 1 });
      assert.deepEqual(await store.agents.recordObservations("edge", [drift(6, id)], dropped), {
        ack: 6,
        recorded: 0,
      });
      const events = await store.events({ after: 0, limit: 100 });
      assert.deepEqual(
        events.filter((e) => e.type === "DriftCorrected").map((e) => e.data["seq"]),
        [1, 2, 6],
      );
      const drops = events.filter((e) => e.type === "AgentObservationsDropped");
      assert.equal(drops.length, 1);
      assert.deepEqual(drops[0]?.data, { cluster: "edge", ...dropped });
      assert.equal(
        await store.agents.report("edge", versions),
        6,
        "the report answers the acknowledged number",
      );
    });

    it("records an event that says it happens once a single time, also sent again under new numbers", async () => {
      const store = await backend.open();
      await store.catalog.syncBuiltins(builtinTemplateRecords());
      await store.agents.addAgentCluster("edge", "", "alice");
      const [a, b] = [await stackOn(store, "edge", "a"), await stackOn(store, "edge", "b")];
      const warning = (seq: number, stackId: string, once: string): AgentObservation => ({
        seq,
        stackId,
        kind: "event",
        type: "KubernetesEvent",
        actor: "k8s_watch",
        data: { reason: "BackOff", once },
      });
      // The agent restarted between the two batches and sent what it saw again, numbered on.
      const first = [warning(1, a, "u1:1"), warning(2, a, "u1:2")];
      assert.deepEqual(await store.agents.recordObservations("edge", first), { ack: 2, recorded: 2 });
      const again = [warning(3, a, "u1:2"), warning(4, b, "u1:2"), warning(5, a, "u2:1"), drift(6, a)];
      assert.deepEqual(await store.agents.recordObservations("edge", again), { ack: 6, recorded: 3 });
      const recorded = (await store.events({ after: 0, limit: 100 })).filter((e) => e.stackId !== null);
      assert.deepEqual(
        recorded
          .filter((e) => e.type === "KubernetesEvent" || e.type === "DriftCorrected")
          .map((e) => [e.stackId === a ? "a" : "b", e.type, e.data["once"] ?? null]),
        [
          ["a", "KubernetesEvent", "u1:1"],
          ["a", "KubernetesEvent", "u1:2"],
          ["b", "KubernetesEvent", "u1:2"],
          ["a", "KubernetesEvent", "u2:1"],
          ["a", "DriftCorrected", null],
        ],
      );
    });

    it("names the stacks of other clusters, and converting a direct cluster erases its kubeconfig", async () => {
      const store = await backend.open();
      await store.catalog.syncBuiltins(builtinTemplateRecords());
      await store.catalog.addCluster({ name: "d", description: "", kubeconfig: "apiVersion: v1\n" }, "alice");
      await store.agents.addAgentCluster("edge", "", "alice");
      const mine = await stackOn(store, "edge", "a");
      const theirs = await stackOn(store, "d", "b");
      assert.deepEqual(await store.agents.foreignStacks("edge", [mine, theirs]), [theirs]);
      await store.agents.issueJoinToken("d", "alice");
      assert.equal(await store.catalog.clusterMode("d"), "agent");
      assert.equal(await store.catalog.clusterKubeconfig("d"), null);
      assert.equal((await store.stacks.get(theirs))?.removedAt, null, "its stacks stay");
    });
  });
}
