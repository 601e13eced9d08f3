/**
 * An agent cluster end to end, on the shared sandbox: a control plane (HTTP
 * server on a PGlite store in a folder, so it can be stopped and started
 * again) and a `stackwarden agent` for cluster `edge-1` joined with its
 * one-time token. Cluster `edge-2` is a second agent cluster whose credential
 * is used only to prove that it reaches nothing of `edge-1`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Registry } from "prom-client";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { KubeClient } from "../../kube/client.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { createLogger } from "../../observability/logger.ts";
import { stackBinding } from "../../operator/stack/stack-controller.ts";
import { packageRoot } from "../../sandbox/paths.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { controlPlaneApi } from "../../testing/agent-api.ts";
import { stackConverged, stackEvents } from "../../testing/control-plane.ts";
import { eventually } from "../../testing/eventually.ts";
import { startKindOperator } from "../../testing/kind-operator.ts";
import { RestartableControlPlane } from "../../testing/restartable-control-plane.ts";
import { startControlPlane } from "../control-plane.ts";
import { builtinTemplateRecords } from "../guardrails.ts";
import { KubeconfigKeyring } from "../store/kubeconfig-keyring.ts";
import { openStore } from "../store/store.ts";
import { startAgent, type Agent } from "./agent.ts";
import { agentProtocolVersion } from "./protocol.ts";

const ns = await useTestNamespace("agent");
await startKindOperator(ns, [stackBinding]);
const explain = { timeoutMs: 120_000, explain: () => describeNamespace(ns.kc, ns.namespace) };
const dir = await mkdtemp(join(tmpdir(), "sw-agent-"));
after(() => rm(dir, { recursive: true, force: true }));
const keyring = KubeconfigKeyring.ephemeral();
const quiet = createLogger({ level: "silent" });

// The control plane: a PGlite store in a folder and the HTTP server, which can be stopped and started again.
const cp = await RestartableControlPlane.start(() =>
  openStore({ dataDir: join(dir, "db"), kubeconfigKeys: keyring }),
);
after(() => cp.stop());
const base = cp.base;
await cp.store.catalog.syncBuiltins(builtinTemplateRecords());
const admin = (await cp.store.auth.bootstrapAdmin()) ?? "";

const api = controlPlaneApi(base, () => admin);
const clusterRow = api.clusterRow;
const call = (
  method: string,
  path: string,
  token: string,
  body?: unknown,
  protocol = agentProtocolVersion,
): ReturnType<typeof api.call> => api.call(method, path, token, body, {}, protocol);

const runs = new Set<AbortController>();
after(() => {
  for (const r of runs) r.abort();
});
async function runAgent(
  tokenFile: string,
  state = "agent-state",
): Promise<{ agent: Agent; stop: () => Promise<void> }> {
  const stop = new AbortController();
  runs.add(stop);
  const agent = await startAgent(
    {
      controlPlane: base,
      tokenFile,
      stateDir: join(dir, state),
      kubeconfig: ns.kc,
      agentVersion: "0.1.0-test",
      log: quiet,
    },
    stop.signal,
  );
  return {
    agent,
    stop: async () => {
      stop.abort();
      await agent.done;
      runs.delete(stop);
    },
  };
}

describe("an agent cluster", () => {
  let stackId = "";
  let credentialB = "";
  let running: Awaited<ReturnType<typeof runAgent>> | undefined;
  const kube = new KubeClient(ns.kc);
  after(() => kube.close());

  it("registers with a one-time join token; the agent joins, applies its stack and reports it", async () => {
    const added = await call("POST", "/api/v1/clusters", admin, { name: "edge-1", mode: "agent" });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body["id"], "edge-1");
    const joinToken = String(added.body["joinToken"]);
    assert.match(joinToken, /^swj_/);
    const tokenFile = join(dir, "join-token");
    await writeFile(tokenFile, `${joinToken}\n`);
    running = await runAgent(tokenFile);
    assert.equal(running.agent.cluster, "edge-1");

    const created = await call("POST", "/api/v1/stacks", admin, {
      template: "minecraft-java",
      cluster: "edge-1",
      namespace: ns.namespace,
      name: "far",
      params: { eula: true, memory: "1G", maxPlayers: 10 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    stackId = String(created.body["id"]);
    await stackConverged(cp.store, stackId, explain);

    const row = await clusterRow("edge-1");
    assert.equal(row["mode"], "agent");
    assert.equal(row["connection"], "Connected");
    assert.equal(row["agentVersion"], "0.1.0-test");
    assert.match(String(row["kubernetesVersion"]), /^v1\./);
    assert.equal(row["stackCount"], 1);
    assert.equal(row["joinToken"], undefined, "the join token is never listed");

    const again = await call("POST", "/api/v1/agent/join", "", {
      joinToken,
      agentVersion: "x",
      kubernetesVersion: "y",
    });
    assert.equal(again.status, 401, "a join token works once");
  });

  it("holds no credential of an agent cluster, and direct kubeconfigs only sealed", async () => {
    await cp.store.catalog.addCluster(
      {
        name: "direct-1",
        description: "",
        kubeconfig: "apiVersion: v1\nusers: [{name: u, user: {token: plain-secret}}]\n",
      },
      "test",
    );
    const rows = await cp.store.db.query<{ name: string; mode: string; kubeconfig: string | null }>(
      "SELECT name, mode, kubeconfig FROM clusters ORDER BY name",
    );
    for (const r of rows) {
      if (r.mode === "agent") assert.equal(r.kubeconfig, null, r.name);
      assert.ok(!(r.kubeconfig ?? "").includes("plain-secret"), `${r.name}'s kubeconfig is sealed`);
    }
    const dump = JSON.stringify(await cp.store.db.query("SELECT * FROM clusters"));
    assert.ok(
      !dump.includes("swa_") && !dump.includes("swj_"),
      "credentials and join tokens are stored hashed",
    );
  });

  it("refuses another cluster's credential at every agent endpoint (403), users' tokens (401), another protocol (400)", async () => {
    const b = await call("POST", "/api/v1/clusters", admin, { name: "edge-2", mode: "agent" });
    const joined = await call("POST", "/api/v1/agent/join", "", {
      joinToken: b.body["joinToken"],
      agentVersion: "0.1.0-test",
      kubernetesVersion: "v1.0.0",
    });
    assert.equal(joined.status, 201);
    credentialB = String(joined.body["credential"]);
    const edge1 = "/api/v1/agent/clusters/edge-1";
    const endpoints: Array<[string, string, unknown]> = [
      ["GET", `${edge1}/desired`, undefined],
      ["GET", `${edge1}/desired?revision=x&waitMs=0`, undefined],
      ["POST", `${edge1}/observations`, { observations: [] }],
      ["POST", `${edge1}/report`, { agentVersion: "x", kubernetesVersion: "y" }],
      ["POST", `${edge1}/credential`, undefined],
    ];
    for (const [method, path, body] of endpoints) {
      assert.equal(
        (await call(method, path, credentialB, body)).status,
        403,
        `${method} ${path} with edge-2's credential`,
      );
      assert.equal(
        (await call(method, path, admin, body)).status,
        401,
        `${method} ${path} with a user's token`,
      );
    }
    // Its own path, but a stack of another cluster.
    const foreign = await call("POST", "/api/v1/agent/clusters/edge-2/observations", credentialB, {
      observations: [{ seq: 1, stackId, kind: "event", type: "DriftCorrected", actor: "x", data: {} }],
    });
    assert.equal(foreign.status, 403, JSON.stringify(foreign.body));
    const newer = await call("GET", "/api/v1/agent/clusters/edge-2/desired", credentialB, undefined, "1.1");
    assert.equal(newer.status, 400);
    assert.match(
      String(newer.body["detail"]),
      /agent speaks protocol 1\.1, newer than this control plane's 1\.0/,
    );
    assert.equal((await call("GET", "/api/v1/agent/clusters/edge-2/desired", credentialB)).status, 200);
  });

  it("rotates and revokes an agent's credential", async () => {
    const rotated = await call("POST", "/api/v1/agent/clusters/edge-2/credential", credentialB);
    assert.equal(rotated.status, 201);
    const fresh = String(rotated.body["credential"]);
    assert.equal((await call("GET", "/api/v1/agent/clusters/edge-2/desired", credentialB)).status, 401);
    assert.equal((await call("GET", "/api/v1/agent/clusters/edge-2/desired", fresh)).status, 200);
    assert.equal((await call("DELETE", "/api/v1/clusters/edge-2/agent-credential", admin)).status, 204);
    assert.equal((await call("GET", "/api/v1/agent/clusters/edge-2/desired", fresh)).status, 401);
    assert.equal((await clusterRow("edge-2"))["connection"], "Disconnected");
  });

  it("records every drift made while the control plane is down exactly once, in order, after it is back", async () => {
    assert.ok(running);
    const isDrift = (e: { type: string }): boolean =>
      e.type === "DriftCorrected" || e.type === "ResourceModifiedExternally";
    const seen = (await stackEvents(cp.store, stackId)).filter(isDrift);
    const before = seen.filter((e) => e.type === "DriftCorrected").length;
    await cp.stop();
    const path = resourcePath(stackResourceType, ns.namespace, "far");
    for (const players of [11, 12, 13]) {
      await kube.request("PATCH", path, {
        query: { fieldManager: "kubectl-edit" },
        body: { spec: { params: { maxPlayers: players } } },
        contentType: "application/merge-patch+json",
      });
      // The agent puts it back; wait on the cluster, then drift again.
      await eventually(`the agent to revert maxPlayers ${players}`, async () => {
        const live = await kube.request<Stack>("GET", path);
        return (live.spec.params as Record<string, unknown> | undefined)?.["maxPlayers"] === 10
          ? true
          : undefined;
      });
    }
    assert.ok(running.agent.buffer.size >= 6, `buffered ${running.agent.buffer.size} observations`);
    await cp.start();
    await eventually("the buffered observations to be acknowledged", () =>
      running?.agent.buffer.size === 0 ? true : undefined,
    );
    // What came before the outage is skipped by count, whatever its pairing.
    const recent = (await stackEvents(cp.store, stackId)).filter(isDrift).slice(seen.length);
    assert.deepEqual(
      recent.map((e) => e.type),
      Array.from({ length: 3 }, () => ["ResourceModifiedExternally", "DriftCorrected"]).flat(),
    );
    const seqs = recent.map((e) => Number(e.data["seq"]));
    assert.deepEqual(
      [...seqs].sort((x, y) => x - y),
      seqs,
      "in sequence order",
    );
    assert.equal(new Set(seqs).size, seqs.length, "each once");
    assert.equal(recent[0]?.actor, "kubectl-edit");

    // A replay of what was recorded (as after a lost acknowledgement) records nothing again.
    const { credential } = JSON.parse(
      await readFile(join(dir, "agent-state", "credential.json"), "utf8"),
    ) as {
      credential: string;
    };
    const replay = await call("POST", "/api/v1/agent/clusters/edge-1/observations", credential, {
      observations: recent.map((e) => ({
        seq: Number(e.data["seq"]),
        stackId,
        kind: "event",
        type: e.type,
        actor: e.actor,
        data: e.data,
      })),
    });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body["recorded"], 0);
    const after = (await stackEvents(cp.store, stackId)).filter((e) => e.type === "DriftCorrected").length;
    assert.equal(after, before + 3);
  });

  it("shows Disconnected once the agent is gone, the stack unreachable with its last state, and catches up when back", async () => {
    assert.ok(running);
    // Converged again after the drift: observed through the agent after the control plane's restart.
    await stackConverged(cp.store, stackId, explain);
    const last = await cp.store.observed.observed(stackId);
    await running.stop();
    await eventually(
      "edge-1 to show Disconnected",
      async () => ((await clusterRow("edge-1"))["connection"] === "Disconnected" ? true : undefined),
      { timeoutMs: 45_000, intervalMs: 1_000 },
    );
    const detail = await call("GET", `/api/v1/stacks/${stackId}`, admin);
    const unreachable = detail.body["clusterUnreachable"] as { message: string } | null;
    assert.match(unreachable?.message ?? "", /^cluster unreachable since \d{4}-/);
    assert.equal((detail.body["observed"] as Record<string, unknown> | null)?.["phase"], last?.phase);
    assert.equal(last?.phase, "Ready");

    running = await runAgent(join(dir, "join-token")); // the stored credential: the spent token is not read
    await eventually("edge-1 to be Connected again", async () =>
      (await clusterRow("edge-1"))["connection"] === "Connected" ? true : undefined,
    );
    await running.stop();
  });

  it("takes over a direct cluster's stacks without redeploying them", async () => {
    const stop = new AbortController();
    const direct = await startControlPlane(
      { store: cp.store, kubeconfig: ns.kc, resyncMs: 1_000, logger: quiet, registry: new Registry() },
      stop.signal,
    );
    after(async () => {
      stop.abort();
      await direct.done;
    });
    await cp.store.catalog.addCluster(
      { name: "direct-2", description: "", kubeconfig: await readFile(ns.kubeconfig, "utf8") },
      "test",
    );
    const created = await call("POST", "/api/v1/stacks", admin, {
      template: "minecraft-java",
      cluster: "direct-2",
      namespace: ns.namespace,
      name: "moved",
      params: { eula: true, memory: "1G" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body["id"]);
    direct.notify(id);
    await stackConverged(cp.store, id, explain);
    const path = resourcePath(stackResourceType, ns.namespace, "moved");
    const before = await kube.request<Stack>("GET", path);

    const converted = await call("POST", "/api/v1/clusters/direct-2/join-token", admin);
    assert.equal(converted.status, 201);
    const row = await cp.store.db.query<{ kubeconfig: string | null }>(
      "SELECT kubeconfig FROM clusters WHERE name = 'direct-2'",
    );
    assert.equal(row[0]?.kubeconfig, null, "the kubeconfig is erased");
    const tokenFile = join(dir, "join-token-2");
    await writeFile(tokenFile, String(converted.body["joinToken"]));
    const since = Date.now();
    const moved = await runAgent(tokenFile, "agent-state-2");
    after(() => moved.stop());
    await eventually("the agent to report the taken-over stack", async () => {
      const o = await cp.store.observed.observed(id);
      return o && Date.parse(o.observedAt) >= since && o.phase === "Ready" ? o : undefined;
    });
    const afterwards = await kube.request<Stack>("GET", path);
    assert.equal(afterwards.metadata.uid, before.metadata.uid, "the same Stack resource");
    assert.equal(afterwards.metadata.generation, before.metadata.generation, "its spec unchanged");
    assert.equal((await clusterRow("direct-2"))["mode"], "agent");
  });

  it("runs as `stackwarden agent`, and a killed agent shows Disconnected", async () => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        join(packageRoot, "src/cli/main.ts"),
        "agent",
        `--control-plane=${base}`,
        `--token-file=${join(dir, "join-token")}`,
        `--state-dir=${join(dir, "agent-state")}`,
        `--kubeconfig=${ns.kubeconfig}`,
        "--log-level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    after(() => void child.kill("SIGKILL"));
    await eventually("the agent process to be heard from", async () => {
      if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${err}`);
      const row = await clusterRow("edge-1");
      return row["connection"] === "Connected" && Date.parse(String(row["lastSeen"])) >= started
        ? row
        : undefined;
    });
    child.kill("SIGKILL");
    const killed = Date.now();
    await eventually(
      "edge-1 to show Disconnected after the kill",
      async () => ((await clusterRow("edge-1"))["connection"] === "Disconnected" ? true : undefined),
      { timeoutMs: 45_000, intervalMs: 1_000 },
    );
    process.stderr.write(`# Disconnected ${((Date.now() - killed) / 1000).toFixed(1)} s after the kill\n`);
  });
});
