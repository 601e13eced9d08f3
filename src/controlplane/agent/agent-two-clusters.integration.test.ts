/**
 * The setup: two real clusters side by side, one control plane on a
 * real PostgreSQL, and two agents, one per cluster. Cluster `a` is the shared
 * test sandbox (a namespace of this file's own); cluster `b` is a private
 * sandbox of this file's own (`agent-two-b`), stopped when the file's tests
 * end, also when they fail. Agent `b` runs with the ServiceAccount and
 * ClusterRole of `stackwarden manifests agent` and reaches the control plane
 * through a TCP proxy the test can cut. Both agents serve their metrics over
 * HTTP, and the test reads them there, as a user's Prometheus would.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import type { KubeObject } from "../../api/object.ts";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { KubeClient } from "../../kube/client.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { installCrds } from "../../operator/install-crds.ts";
import { Manager } from "../../operator/manager.ts";
import { registerStackControllers, stackBinding } from "../../operator/stack/stack-controller.ts";
import { createLogger } from "../../observability/logger.ts";
import { defaultDeployment } from "../../resources/deployment-options.ts";
import { stackIdLabel } from "../../resources/labels.ts";
import { sandboxDown, sandboxUp, type SandboxOptions } from "../../sandbox/sandbox.ts";
import { controlPlaneApi } from "../../testing/agent-api.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { stackConverged } from "../../testing/control-plane.ts";
import { freshPostgresUrl } from "../../testing/databases.ts";
import { eventually } from "../../testing/eventually.ts";
import { startKindOperator } from "../../testing/kind-operator.ts";
import { metricSum, parsePrometheusText } from "../../testing/prometheus-text.ts";
import { RestartableControlPlane } from "../../testing/restartable-control-plane.ts";
import { TcpProxy } from "../../testing/tcp-proxy.ts";
import { builtinTemplateRecords } from "../guardrails.ts";
import { KubeconfigKeyring } from "../store/kubeconfig-keyring.ts";
import { openStore } from "../store/store.ts";
import { agentManifests } from "./agent-manifests.ts";
import { startAgent, type Agent } from "./agent.ts";

const quiet = createLogger({ level: "silent" });
const dir = await mkdtemp(join(tmpdir(), "sw-agent-two-"));
/** What to stop when the file ends, last started first: agents before their clusters. */
const teardown: Array<() => unknown> = [];
after(async () => {
  for (const step of teardown.reverse()) {
    try {
      await step();
    } catch {
      // the next step still runs: the private sandbox is stopped whatever failed
    }
  }
  await rm(dir, { recursive: true, force: true });
});

// Cluster a: the shared sandbox, a namespace of this file's own and an operator watching it.
const nsA = await useTestNamespace("agent-two");
const namespace = nsA.namespace; // the same namespace name in both clusters
await startKindOperator(nsA, [stackBinding]);

// Cluster b: a private sandbox, stopped last whatever happened.
const sandboxB: SandboxOptions = {
  name: "agent-two-b",
  env: { ...process.env, STACKWARDEN_STATE_DIR: join(dir, "state") },
  log: (line) => void process.stderr.write(`# ${line}\n`),
};
teardown.push(() => sandboxDown(sandboxB));
const b = await sandboxUp(sandboxB);
const kcB = new KubeConfig();
kcB.loadFromFile(b.kubeconfig);
await kcB.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
const operatorB = new Manager({
  kubeconfig: kcB,
  leaseNamespace: namespace,
  leaderElection: false,
  logger: createLogger({ level: "error" }),
});
await installCrds(operatorB.client, operatorB.types, [stackBinding.crd()]);
registerStackControllers(operatorB, [stackBinding], { namespaces: [namespace] });
const stopOperatorB = new AbortController();
const operatorBRuns = operatorB.run(stopOperatorB.signal);
teardown.push(async () => {
  stopOperatorB.abort();
  await operatorBRuns;
});

/**
 * Agent b's own Kubernetes identity: the ServiceAccount, ClusterRole and
 * binding `stackwarden manifests agent` ships, and a token of that
 * ServiceAccount (nothing of the sandbox's admin).
 */
async function agentKubeconfig(): Promise<{ kc: KubeConfig; token: string }> {
  const agentNamespace = "stackwarden-agent";
  const core = kcB.makeApiClient(CoreV1Api);
  const rbac = kcB.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: agentNamespace } } });
  const shipped = agentManifests({ ...defaultDeployment, namespace: agentNamespace });
  const of = (kind: string): KubeObject => {
    const found = shipped.find((o) => o.kind === kind);
    assert.ok(found, `manifests agent ships a ${kind}`);
    return found;
  };
  const account = of("ServiceAccount");
  await core.createNamespacedServiceAccount({ namespace: agentNamespace, body: account as never });
  await rbac.createClusterRole({ body: of("ClusterRole") as never });
  await rbac.createClusterRoleBinding({ body: of("ClusterRoleBinding") as never });
  const issued = await core.createNamespacedServiceAccountToken({
    name: account.metadata.name,
    namespace: agentNamespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kcB.getCurrentCluster();
  const token = issued.status?.token;
  assert.ok(cluster && token);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: "b" }],
    users: [{ name: "agent", token }],
    contexts: [{ name: "agent", cluster: "b", user: "agent" }],
    currentContext: "agent",
  });
  return { kc, token };
}
const agentB = await agentKubeconfig();

// The control plane: a database of its own on the test PostgreSQL server, and the HTTP API.
const databaseUrl = await freshPostgresUrl("agent_two");
const keyring = KubeconfigKeyring.ephemeral();
const cp = await RestartableControlPlane.start(() =>
  openStore({ url: databaseUrl, kubeconfigKeys: keyring }),
);
teardown.push(() => cp.stop());
await cp.store.catalog.syncBuiltins(builtinTemplateRecords());
const admin = (await cp.store.auth.bootstrapAdmin()) ?? "";
// Agent b's only way to the control plane; agent a reaches it directly.
const link = await TcpProxy.start("127.0.0.1", cp.port);
teardown.push(() => link.close());

const { call, clusterRow } = controlPlaneApi(cp.base, () => admin);

const kubeA = new KubeClient(nsA.kc);
const kubeB = new KubeClient(kcB);
const asAgentB = new KubeClient(agentB.kc);
teardown.push(() => {
  kubeA.close();
  kubeB.close();
  asAgentB.close();
});
const stackPath = (name: string): string => resourcePath(stackResourceType, namespace, name);
const explainB = { timeoutMs: 120_000, explain: () => describeNamespace(kcB, namespace) };
const explainA = { timeoutMs: 120_000, explain: () => describeNamespace(nsA.kc, namespace) };

/** A running agent of this file: its cluster's name, its state folder and its metrics over HTTP. */
interface RunningAgent {
  readonly agent: Agent;
  readonly stateDir: string;
  /** Scrapes `/metrics` and reads `stackwarden_agent_<name>` (summed over matching labels). */
  readonly metrics: () => Promise<(name: string, labels?: Record<string, string>) => number>;
}

/** Registers `cluster` as an agent cluster and starts its agent with the one-time join token. */
async function joinAgent(
  cluster: string,
  kubeconfig: KubeConfig,
  controlPlane: string,
): Promise<RunningAgent> {
  const added = await call("POST", "/api/v1/clusters", admin, { name: cluster, mode: "agent" });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const tokenFile = join(dir, `join-token-${cluster}`);
  await writeFile(tokenFile, String(added.body["joinToken"]));
  const stateDir = join(dir, `agent-${cluster}`);
  const stop = new AbortController();
  const agent = await startAgent(
    {
      controlPlane,
      tokenFile,
      stateDir,
      kubeconfig,
      agentVersion: "0.1.0-test",
      log: quiet,
      metrics: { host: "127.0.0.1", port: 0 },
    },
    stop.signal,
  );
  teardown.push(async () => {
    stop.abort();
    await agent.done;
  });
  const metricsUrl = `http://127.0.0.1:${agent.metricsPort}/metrics`;
  return {
    agent,
    stateDir,
    metrics: async () => {
      const samples = parsePrometheusText(await (await fetch(metricsUrl)).text());
      return (name, labels) => metricSum(samples, `stackwarden_agent_${name}`, labels);
    },
  };
}

/** The agent's credential, as it keeps it in its state folder. */
async function credentialOf(a: RunningAgent): Promise<string> {
  const stored = JSON.parse(await readFile(join(a.stateDir, "credential.json"), "utf8")) as {
    credential: string;
  };
  return stored.credential;
}

/** A stack's events through the API, oldest first; only those of `types` when given. */
async function eventsOf(
  id: string,
  ...types: string[]
): Promise<Array<{ type: string; actor: string; createdAt: string; data: Record<string, unknown> }>> {
  const page = await call("GET", `/api/v1/stacks/${id}/events?after=0&limit=500`, admin);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  const items = page.body["items"] as Array<{
    type: string;
    actor: string;
    createdAt: string;
    data: Record<string, unknown>;
  }>;
  return types.length === 0 ? items : items.filter((e) => types.includes(e.type));
}

const isDrift = (e: { type: string; data: Record<string, unknown> }): boolean =>
  (e.type === "ResourceModifiedExternally" || e.type === "DriftCorrected") && e.data["kind"] === "Stack";

/** A kubectl-style edit of the Stack's `maxPlayers`, then the wait for its agent to put it back. */
async function driftStack(kube: KubeClient, name: string, players: number, restored: number): Promise<void> {
  await kube.request("PATCH", stackPath(name), {
    query: { fieldManager: "kubectl-edit" },
    body: { spec: { params: { maxPlayers: players } } },
    contentType: "application/merge-patch+json",
  });
  await eventually(`the agent to revert ${name}'s maxPlayers ${players}`, async () =>
    (await maxPlayers(kube, name)) === restored ? true : undefined,
  );
}

async function maxPlayers(kube: KubeClient, name: string): Promise<unknown> {
  const live = await kube.request<Stack>("GET", stackPath(name));
  return (live.spec.params as Record<string, unknown> | undefined)?.["maxPlayers"];
}

/** The status code of a request to cluster b as agent b's ServiceAccount. */
async function agentBMay(method: string, path: string, body?: unknown): Promise<number> {
  try {
    await asAgentB.request(method, path, body === undefined ? {} : { body });
    return 200;
  } catch (e: unknown) {
    return (e as { status?: number }).status ?? 0;
  }
}

/** Every drift event of `during` is there once, in sequence order, and arrived after `since`. */
function assertOnceInOrder(
  during: ReadonlyArray<{ type: string; createdAt: string; data: Record<string, unknown> }>,
  drifts: number,
  since: number,
): void {
  assert.deepEqual(
    during.map((e) => e.type),
    Array.from({ length: drifts }, () => ["ResourceModifiedExternally", "DriftCorrected"]).flat(),
  );
  const seqs = during.map((e) => Number(e.data["seq"]));
  assert.deepEqual(
    [...seqs].sort((x, y) => x - y),
    seqs,
    "in sequence order",
  );
  assert.equal(new Set(seqs).size, seqs.length, "each once");
  for (const e of during) {
    assert.ok(
      Date.parse(e.createdAt) >= since - 1_000,
      `${e.type} #${String(e.data["seq"])} was recorded after the control plane came back`,
    );
  }
}

describe("two clusters, one control plane on PostgreSQL, an agent in each", () => {
  let a: RunningAgent | undefined;
  let bAgent: RunningAgent | undefined;
  let onA = "";
  let onB = "";

  it("deploys a stack to each cluster through its agent: it lands there and not in the other, converges and is observed through the API", async () => {
    a = await joinAgent("a", nsA.kc, cp.base);
    bAgent = await joinAgent("b", agentB.kc, `http://127.0.0.1:${link.port}`);
    assert.equal(a.agent.cluster, "a");
    assert.equal(bAgent.agent.cluster, "b");

    const create = async (cluster: string, name: string): Promise<string> => {
      const created = await call("POST", "/api/v1/stacks", admin, {
        template: "minecraft-java",
        cluster,
        namespace,
        name,
        params: { eula: true, memory: "1G", maxPlayers: 10 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return String(created.body["id"]);
    };
    onA = await create("a", "on-a");
    onB = await create("b", "on-b");
    await stackConverged(cp.store, onA, explainA);
    await stackConverged(cp.store, onB, explainB);

    assert.equal(await maxPlayers(kubeA, "on-a"), 10, "a's stack is in a");
    assert.equal(await maxPlayers(kubeB, "on-b"), 10, "b's stack is in b");
    await assert.rejects(kubeA.request("GET", stackPath("on-b")), { status: 404 }, "b's stack is not in a");
    await assert.rejects(kubeB.request("GET", stackPath("on-a")), { status: 404 }, "a's stack is not in b");
    for (const [id, kube, name] of [
      [onA, kubeA, "on-a"],
      [onB, kubeB, "on-b"],
    ] as const) {
      const detail = await call("GET", `/api/v1/stacks/${id}`, admin);
      const live = await kube.request<Stack>("GET", stackPath(name));
      const observed = detail.body["observed"] as Record<string, unknown> | null;
      assert.equal(observed?.["phase"], "Ready", `${name} observed Ready through the API`);
      assert.equal(live.status?.phase, "Ready", `${name}'s phase is its own cluster's`);
      assert.equal(detail.body["clusterUnreachable"], null);
    }
    for (const [name, kube] of [
      ["a", kubeA],
      ["b", kubeB],
    ] as const) {
      const row = await clusterRow(name);
      assert.equal(row["mode"], "agent");
      assert.equal(row["connection"], "Connected");
      assert.equal(row["stackCount"], 1);
      assert.equal(
        row["kubernetesVersion"],
        (await kube.request<{ gitVersion: string }>("GET", "/version")).gitVersion,
      );
    }
    const read = await a.metrics();
    assert.equal(read("connected"), 1, "agent a reports itself connected on /metrics");
  });

  it("records a kubectl drift in each cluster against that cluster's stack, by that cluster's agent", async () => {
    await driftStack(kubeA, "on-a", 42, 10);
    await driftStack(kubeB, "on-b", 42, 10);
    for (const [id, cluster] of [
      [onA, "a"],
      [onB, "b"],
    ] as const) {
      const corrected = await eventually(`the drift of ${cluster}'s stack to be recorded`, async () => {
        const events = await eventsOf(id, "DriftCorrected");
        return events.length === 1 ? events[0] : undefined;
      });
      assert.equal(corrected.data["by"], "agent");
      assert.equal(corrected.actor, `agent:${cluster}`, "corrected by that cluster's agent");
      const modified = await eventsOf(id, "ResourceModifiedExternally");
      assert.equal(modified.length, 1, `one drift recorded against ${cluster}'s stack`);
      assert.equal(modified[0]?.actor, "kubectl-edit");
    }
  });

  it("forwards from b the operator's correction of a child and the Warning Events about the stack and its children", async () => {
    const configMaps = await kubeB.request<{ items: KubeObject[] }>(
      "GET",
      `/api/v1/namespaces/${namespace}/configmaps`,
      { query: { labelSelector: `${stackIdLabel}=${onB}` } },
    );
    const cm = configMaps.items[0];
    assert.ok(cm, "on-b has a ConfigMap");
    const cmPath = `/api/v1/namespaces/${namespace}/configmaps/${cm.metadata.name}`;
    await kubeB.request("PATCH", cmPath, {
      query: { fieldManager: "kubectl-edit" },
      body: { data: { MAX_PLAYERS: "99" } },
      contentType: "application/merge-patch+json",
    });
    // A Warning about a child, as a controller of b would record it.
    await kubeB.request("POST", `/api/v1/namespaces/${namespace}/events`, {
      body: {
        metadata: { generateName: "probe-", namespace },
        involvedObject: {
          apiVersion: "v1",
          kind: "ConfigMap",
          name: cm.metadata.name,
          namespace,
          uid: cm.metadata.uid,
        },
        type: "Warning",
        reason: "ProbeWarning",
        message: "a Warning about a child of on-b",
        source: { component: "agent-two-test" },
      },
    });
    const corrected = await eventually(
      "the operator's correction of the ConfigMap, forwarded by agent b",
      async () => (await eventsOf(onB, "DriftCorrected")).find((e) => e.data["kind"] === "ConfigMap"),
      explainB,
    );
    assert.equal(corrected.data["by"], "operator");
    assert.equal(corrected.actor, "stackwarden-operator");
    const modified = (await eventsOf(onB, "ResourceModifiedExternally")).find(
      (e) => e.data["kind"] === "ConfigMap",
    );
    assert.equal(modified?.actor, "kubectl-edit");
    const warnings = await eventually(
      "both Warnings recorded as KubernetesEvent",
      async () => {
        const recorded = await eventsOf(onB, "KubernetesEvent");
        const aboutStack = recorded.find((e) => e.data["reason"] === "ResourceModifiedExternally");
        const aboutChild = recorded.find((e) => e.data["reason"] === "ProbeWarning");
        return aboutStack && aboutChild ? { aboutStack, aboutChild, recorded } : undefined;
      },
      explainB,
    );
    assert.deepEqual(warnings.aboutChild.data["involvedObject"], {
      kind: "ConfigMap",
      name: cm.metadata.name,
    });
    assert.equal((warnings.aboutStack.data["involvedObject"] as { kind: string }).kind, "Stack");
    assert.equal(typeof warnings.aboutChild.data["seq"], "number", "numbered like every observation");
    const keys = warnings.recorded.map((e) => `${String(e.data["uid"])}:${String(e.data["count"])}`);
    assert.equal(new Set(keys).size, keys.length, "each Warning once");
    const bUids = new Set(warnings.recorded.map((e) => e.data["uid"]));
    const onAsStack = await eventsOf(onA, "KubernetesEvent", "DriftCorrected");
    assert.ok(
      !onAsStack.some((e) => bUids.has(e.data["uid"]) || e.data["kind"] === "ConfigMap"),
      "nothing of b's recorded against a's stack",
    );
  });

  it("gives each agent nothing beyond its own cluster, and the database holds no kubeconfig", async () => {
    assert.ok(a && bAgent);
    // In cluster b: agent b's ServiceAccount writes Stacks and reads, never Secrets, never children.
    assert.equal(await agentBMay("GET", stackPath("on-b")), 200);
    assert.equal(await agentBMay("GET", `/api/v1/namespaces/${namespace}/secrets`), 403);
    assert.equal(await agentBMay("GET", "/api/v1/secrets"), 403);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "intruder", namespace },
      spec: {
        selector: { matchLabels: { app: "intruder" } },
        template: {
          metadata: { labels: { app: "intruder" } },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        },
      },
    };
    assert.equal(
      await agentBMay("POST", `/apis/apps/v1/namespaces/${namespace}/deployments`, deployment),
      403,
    );
    assert.equal(await agentBMay("DELETE", `/api/v1/namespaces/${namespace}`), 403);
    assert.equal(
      await agentBMay("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
        metadata: { name: "escalate" },
        rules: [],
      }),
      403,
    );

    // In the control plane: agent a's credential reaches none of b's routes, nor b's stack.
    const credentialA = await credentialOf(a);
    const credentialB = await credentialOf(bAgent);
    const routesOfB: Array<[string, string, unknown]> = [
      ["GET", "/api/v1/agent/clusters/b/desired?waitMs=0", undefined],
      ["GET", "/api/v1/agent/clusters/b/desired?revision=x&waitMs=0", undefined],
      ["POST", "/api/v1/agent/clusters/b/observations", { observations: [] }],
      ["POST", "/api/v1/agent/clusters/b/report", { agentVersion: "x", kubernetesVersion: "y" }],
      ["POST", "/api/v1/agent/clusters/b/credential", undefined],
    ];
    for (const [method, path, body] of routesOfB) {
      assert.equal((await call(method, path, credentialA, body)).status, 403, `${method} ${path} as agent a`);
    }
    const aboutB = await call("POST", "/api/v1/agent/clusters/a/observations", credentialA, {
      observations: [
        { seq: 1_000_000, stackId: onB, kind: "event", type: "DriftCorrected", actor: "x", data: {} },
      ],
    });
    assert.equal(aboutB.status, 403, "an observation about b's stack on a's own route");
    assert.equal((await call("GET", `/api/v1/stacks/${onB}`, credentialA)).status, 401, "not a user token");
    assert.equal(
      (await call("GET", "/api/v1/agent/clusters/a/desired?waitMs=0", credentialA)).status,
      200,
      "its own routes work",
    );

    // The database: no kubeconfig of either cluster, no credential of either agent in plain text.
    const clusters = await cp.store.db.query<{ name: string; kubeconfig: string | null }>(
      "SELECT name, kubeconfig FROM clusters ORDER BY name",
    );
    assert.deepEqual(clusters, [
      { name: "a", kubeconfig: null },
      { name: "b", kubeconfig: null },
    ]);
    const tables = await cp.store.db.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    let dump = "";
    for (const t of tables) dump += JSON.stringify(await cp.store.db.query(`SELECT * FROM "${t.name}"`));
    const secrets = [
      ...[nsA.kc, kcB].flatMap((kc) => kc.users.flatMap((u) => [u.token, u.keyData, u.certData, u.password])),
      agentB.token,
      credentialA,
      credentialB,
      ...(await Promise.all(["a", "b"].map((c) => readFile(join(dir, `join-token-${c}`), "utf8")))),
    ].filter((s): s is string => typeof s === "string" && s.length >= 16);
    assert.ok(secrets.length >= 3, `checked ${secrets.length} secrets`);
    for (const [i, s] of secrets.entries())
      assert.ok(!dump.includes(s.trim()), `credential #${i} (of ${secrets.length}) is in the database`);
    for (const marker of ["client-key-data", "client-certificate-data", "current-context"]) {
      assert.ok(!dump.includes(marker), `the database holds ${marker}`);
    }
  });

  it("loses nothing while the control plane is down for a minute: a's drifts appear once each, in order; b, cut off meanwhile, shows Disconnected and takes a change made then", async () => {
    assert.ok(a && bAgent);
    const agentA = a;
    const agentOfB = bAgent;
    const driftsBefore = {
      a: (await eventsOf(onA)).filter(isDrift).length,
      b: (await eventsOf(onB)).filter(isDrift).length,
    };
    const failuresBefore = (await agentA.metrics())("control_plane_failures_total");
    // b's stack settles after the previous tests' corrections (it passes through Installing): its
    // last state before the cut is Ready, observed, and that is what must be kept.
    await stackConverged(cp.store, onB, explainB);
    const lastOfB = await cp.store.observed.observed(onB);

    // Cluster b's link goes down with the control plane, and stays down after it is back.
    link.refuse();
    const stoppedAt = Date.now();
    await cp.stop();
    for (const players of [11, 12, 13]) await driftStack(kubeA, "on-a", players, 10);
    await driftStack(kubeB, "on-b", 77, 10);

    // Down until agent a's own metrics say its last success is a minute old; nothing is slept.
    const down = await eventually(
      "agent a's last success to be 60 s old, its failures counted",
      async () => {
        const read = await agentA.metrics();
        const lastSuccess = read("control_plane_last_success_timestamp_seconds") * 1000;
        const failures = read("control_plane_failures_total") - failuresBefore;
        const silent = Date.now() - lastSuccess;
        return read("connected") === 0 && silent >= 60_000 && failures >= 3
          ? { silent, failures, buffered: read("observations_buffered") }
          : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 1_000 },
    );
    assert.ok(down.buffered >= 6, `agent a buffered ${down.buffered} observations`);

    await cp.start();
    const backAt = Date.now();
    await eventually("agent a's buffer to drain", async () =>
      (await agentA.metrics())("observations_buffered") === 0 ? true : undefined,
    );
    const caughtUpA = Date.now() - backAt;
    const read = await agentA.metrics();
    assert.ok(read("observations_replayed_total") >= 6, "a's buffered observations counted as replayed");
    assert.equal(read("connected"), 1);
    const duringA = (await eventsOf(onA)).filter(isDrift).slice(driftsBefore.a);
    assertOnceInOrder(duringA, 3, backAt);
    assert.equal(duringA[0]?.actor, "kubectl-edit");

    // b is still cut off: the control plane, back, shows it Disconnected since before the stop.
    const row = await clusterRow("b");
    assert.equal(row["connection"], "Disconnected");
    const silentB = Date.now() - Date.parse(String(row["lastSeen"]));
    assert.ok(Date.parse(String(row["lastSeen"])) <= stoppedAt, "b unheard of since before the stop");
    const stack = await call("GET", `/api/v1/stacks/${onB}`, admin);
    assert.match(
      String((stack.body["clusterUnreachable"] as { message?: string } | null)?.message),
      /^cluster unreachable since /,
    );
    assert.equal(
      (stack.body["observed"] as Record<string, unknown> | null)?.["phase"],
      lastOfB?.phase,
      "its last state kept",
    );
    assert.equal(lastOfB?.phase, "Ready");
    assert.equal((await clusterRow("a"))["connection"], "Connected");

    // What the user gives while b is cut off: a change to b's stack and a new stack on b.
    const generation = String((await cp.store.stacks.get(onB))?.generation);
    const changed = await call(
      "PATCH",
      `/api/v1/stacks/${onB}`,
      admin,
      { params: { maxPlayers: 20 } },
      { "if-match": generation },
    );
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const late = await call("POST", "/api/v1/stacks", admin, {
      template: "minecraft-java",
      cluster: "b",
      namespace,
      name: "late",
      params: { eula: true, memory: "1G", maxPlayers: 5 },
    });
    assert.equal(late.status, 201, JSON.stringify(late.body));
    const lateId = String(late.body["id"]);
    assert.equal(await kubeB.request("GET", stackPath("late")).catch(() => 404), 404, "nothing reached b");
    const bufferedB = agentOfB.agent.buffer.size;

    link.accept();
    const linkBackAt = Date.now();
    await eventually("agent b's buffer to drain", async () =>
      (await agentOfB.metrics())("observations_buffered") === 0 ? true : undefined,
    );
    const caughtUpB = Date.now() - linkBackAt;
    await eventually("the change made while b was cut off to reach b", async () =>
      (await maxPlayers(kubeB, "on-b")) === 20 ? true : undefined,
    );
    await stackConverged(cp.store, lateId, explainB);
    assert.equal(await maxPlayers(kubeB, "late"), 5);
    await assert.rejects(kubeA.request("GET", stackPath("late")), { status: 404 });
    await eventually("b to show Connected again", async () =>
      (await clusterRow("b"))["connection"] === "Connected" ? true : undefined,
    );
    assertOnceInOrder((await eventsOf(onB)).filter(isDrift).slice(driftsBefore.b), 1, linkBackAt);

    process.stderr.write(
      `# control plane down ${((backAt - stoppedAt) / 1000).toFixed(1)} s (agent a's last success ` +
        `${(down.silent / 1000).toFixed(1)} s old, ${down.failures} failed calls); a's ${down.buffered} ` +
        `buffered observations acknowledged ${(caughtUpA / 1000).toFixed(2)} s after the restart; ` +
        `b cut ${((linkBackAt - stoppedAt) / 1000).toFixed(1)} s (unheard ${(silentB / 1000).toFixed(1)} s when the control plane was back), its ${bufferedB} acknowledged ` +
        `${(caughtUpB / 1000).toFixed(2)} s after its link was back\n`,
    );
  });
});
