/**
 * Two real clusters side by side. Cluster `a` is the shared test sandbox,
 * managed directly (the control plane holds its kubeconfig). Cluster `b` is a
 * private sandbox of this file's own (`agent-two-b`), reached only through a
 * `stackwarden agent` running against it with the ServiceAccount and
 * ClusterRole of `stackwarden manifests agent`, and linked to the control
 * plane through a TCP proxy the test can cut. The private sandbox is stopped
 * when the file's tests end, also when they fail.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import type { KubeObject } from "../../api/object.ts";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { createHttpServer } from "../../http/server.ts";
import { KubeClient } from "../../kube/client.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import { installCrds } from "../../operator/install-crds.ts";
import { Manager } from "../../operator/manager.ts";
import { registerStackControllers, stackBinding } from "../../operator/stack/stack-controller.ts";
import { createLogger } from "../../observability/logger.ts";
import { defaultDeployment } from "../../resources/deployment-options.ts";
import { sandboxDown, sandboxUp, type SandboxOptions } from "../../sandbox/sandbox.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { stackConverged, stackEvents } from "../../testing/control-plane.ts";
import { eventually } from "../../testing/eventually.ts";
import { startKindOperator } from "../../testing/kind-operator.ts";
import { controlPlaneApi } from "../../testing/agent-api.ts";
import { TcpProxy } from "../../testing/tcp-proxy.ts";
import { startControlPlane } from "../control-plane.ts";
import { EventFeed } from "../event-feed.ts";
import { builtinTemplateRecords } from "../guardrails.ts";
import { KubeconfigKeyring } from "../store/kubeconfig-keyring.ts";
import { openStore } from "../store/store.ts";
import { agentManifests } from "./agent-manifests.ts";
import { startAgent, type Agent } from "./agent.ts";

const quiet = createLogger({ level: "silent" });
const dir = await mkdtemp(join(tmpdir(), "sw-agent-two-"));

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
const teardownB: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of teardownB.reverse()) await step().catch(() => undefined);
  await sandboxDown(sandboxB).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});
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
teardownB.push(async () => {
  stopOperatorB.abort();
  await operatorBRuns;
});

/**
 * The agent's own Kubernetes identity in cluster b: the ServiceAccount,
 * ClusterRole and binding `stackwarden manifests agent` ships, and a token of
 * that ServiceAccount (nothing of the sandbox's admin).
 */
async function agentKubeconfig(): Promise<KubeConfig> {
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
  const token = await core.createNamespacedServiceAccountToken({
    name: account.metadata.name,
    namespace: agentNamespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kcB.getCurrentCluster();
  assert.ok(cluster && token.status?.token);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: "b" }],
    users: [{ name: "agent", token: token.status.token }],
    contexts: [{ name: "agent", cluster: "b", user: "agent" }],
    currentContext: "agent",
  });
  return kc;
}
const agentKc = await agentKubeconfig();

// The control plane: a PGlite store, the HTTP API, and the direct workers (for cluster a).
const store = await openStore({ dataDir: join(dir, "db"), kubeconfigKeys: KubeconfigKeyring.ephemeral() });
const feed = new EventFeed({ store, pollMs: 100 });
const app = createHttpServer({ store, feed, registry: new Registry(), ready: () => true });
const base = await app.listen({ host: "127.0.0.1", port: 0 });
after(async () => {
  await app.close();
  feed.close();
  await store.close();
});
await store.catalog.syncBuiltins(builtinTemplateRecords());
const admin = (await store.auth.bootstrapAdmin()) ?? "";
await store.catalog.addCluster(
  { name: "a", description: "", kubeconfig: await readFile(nsA.kubeconfig, "utf8") },
  "test",
);
const stopDirect = new AbortController();
const direct = await startControlPlane(
  { store, kubeconfig: nsA.kc, resyncMs: 1_000, logger: quiet, registry: new Registry() },
  stopDirect.signal,
);
after(async () => {
  stopDirect.abort();
  await direct.done;
});
// The agent's only way to the control plane.
const link = await TcpProxy.start("127.0.0.1", Number(new URL(base).port));
after(() => link.close());

const { call, clusterRow } = controlPlaneApi(base, () => admin);

const kubeA = new KubeClient(nsA.kc);
const kubeB = new KubeClient(kcB);
const asAgent = new KubeClient(agentKc);
after(() => {
  kubeA.close();
  kubeB.close();
  asAgent.close();
});
const stackPath = (name: string): string => resourcePath(stackResourceType, namespace, name);
const explainB = { timeoutMs: 120_000, explain: () => describeNamespace(kcB, namespace) };
const explainA = { timeoutMs: 120_000, explain: () => describeNamespace(nsA.kc, namespace) };

/** The status code of a request to cluster b as the agent's ServiceAccount. */
async function agentMay(method: string, path: string, body?: unknown): Promise<number> {
  try {
    await asAgent.request(method, path, body === undefined ? {} : { body });
    return 200;
  } catch (e: unknown) {
    return (e as { status?: number }).status ?? 0;
  }
}

async function maxPlayers(kube: KubeClient, name: string): Promise<unknown> {
  const live = await kube.request<Stack>("GET", stackPath(name));
  return (live.spec.params as Record<string, unknown> | undefined)?.["maxPlayers"];
}

async function failedCalls(registry: Registry, call: string): Promise<number> {
  const metric = registry.getSingleMetric("stackwarden_agent_control_plane_failures_total");
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels["call"] === call)?.value ?? 0;
}

describe("two clusters: a direct, b through its agent", () => {
  let agent: Agent | undefined;
  const agentRegistry = new Registry();
  let onA = "";
  let onB = "";

  it("deploys a stack to b through the agent: it lands in b, not in a, and its status comes back", async () => {
    const added = await call("POST", "/api/v1/clusters", admin, { name: "b", mode: "agent" });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const tokenFile = join(dir, "join-token");
    await writeFile(tokenFile, String(added.body["joinToken"]));
    const stop = new AbortController();
    agent = await startAgent(
      {
        controlPlane: `http://127.0.0.1:${link.port}`,
        tokenFile,
        stateDir: join(dir, "agent-state"),
        kubeconfig: agentKc,
        agentVersion: "0.1.0-test",
        log: quiet,
        registry: agentRegistry,
      },
      stop.signal,
    );
    const running = agent;
    teardownB.push(async () => {
      stop.abort();
      await running.done;
    });

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
    onB = await create("b", "on-b");
    onA = await create("a", "on-a");
    direct.notify(onA);
    await stackConverged(store, onB, explainB);
    await stackConverged(store, onA, explainA);

    assert.equal(await maxPlayers(kubeB, "on-b"), 10, "b's stack is in b");
    await assert.rejects(kubeA.request("GET", stackPath("on-b")), { status: 404 }, "and not in a");
    await assert.rejects(kubeB.request("GET", stackPath("on-a")), { status: 404 }, "a's stack is not in b");
    const observed = await store.observed.observed(onB);
    const live = await kubeB.request<Stack>("GET", stackPath("on-b"));
    assert.equal(observed?.phase, "Ready");
    assert.equal(live.status?.phase, "Ready", "the phase observed is b's");

    const row = await clusterRow("b");
    assert.equal(row["connection"], "Connected");
    assert.equal(row["stackCount"], 1);
    assert.equal(
      row["kubernetesVersion"],
      (await kubeB.request<{ gitVersion: string }>("GET", "/version")).gitVersion,
    );
    assert.equal((await clusterRow("a"))["mode"], "direct");
  });

  it("records a kubectl drift in each cluster against the right stack, b's through the agent", async () => {
    for (const [kube, name] of [
      [kubeB, "on-b"],
      [kubeA, "on-a"],
    ] as const) {
      await kube.request("PATCH", stackPath(name), {
        query: { fieldManager: "kubectl-edit" },
        body: { spec: { params: { maxPlayers: 42 } } },
        contentType: "application/merge-patch+json",
      });
    }
    for (const [id, by] of [
      [onB, "agent"],
      [onA, undefined],
    ] as const) {
      const corrected = await eventually(`the drift of ${id} to be recorded and corrected`, async () => {
        const events = await stackEvents(store, id, "DriftCorrected");
        return events.length === 1 ? events : undefined;
      });
      if (by) assert.equal(corrected[0]?.data["by"], by);
      const modified = await stackEvents(store, id, "ResourceModifiedExternally");
      assert.equal(modified.length, 1, `one drift recorded against ${id}`);
      assert.equal(modified[0]?.actor, "kubectl-edit");
    }
    assert.equal(await maxPlayers(kubeB, "on-b"), 10);
    assert.equal(await maxPlayers(kubeA, "on-a"), 10);
  });

  it("gives the agent nothing beyond its rights, in b and in the control plane", async () => {
    // In cluster b: its ServiceAccount writes Stacks and reads, never Secrets, never children.
    assert.equal(await agentMay("GET", stackPath("on-b")), 200);
    assert.equal(await agentMay("GET", `/api/v1/namespaces/${namespace}/secrets`), 403);
    assert.equal(await agentMay("GET", "/api/v1/secrets"), 403);
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
      await agentMay("POST", `/apis/apps/v1/namespaces/${namespace}/deployments`, deployment),
      403,
    );
    assert.equal(await agentMay("DELETE", `/api/v1/namespaces/${namespace}`), 403);
    assert.equal(
      await agentMay("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
        metadata: { name: "escalate" },
        rules: [],
      }),
      403,
    );

    // In the control plane: its credential reaches b's agent routes only.
    const { credential } = JSON.parse(
      await readFile(join(dir, "agent-state", "credential.json"), "utf8"),
    ) as { credential: string };
    assert.equal((await call("GET", "/api/v1/agent/clusters/b/desired?waitMs=0", credential)).status, 200);
    assert.equal((await call("GET", "/api/v1/agent/clusters/a/desired?waitMs=0", credential)).status, 403);
    const aboutA = await call("POST", "/api/v1/agent/clusters/b/observations", credential, {
      observations: [
        { seq: 1_000_000, stackId: onA, kind: "event", type: "DriftCorrected", actor: "x", data: {} },
      ],
    });
    assert.equal(aboutA.status, 403, "an observation about a's stack");
    assert.equal((await call("GET", "/api/v1/stacks", credential)).status, 401, "not a user token");
    assert.equal((await call("GET", `/api/v1/stacks/${onA}`, credential)).status, 401);
  });

  it("loses nothing over a 60 s cut of the agent's link: changes made during it are applied, observations arrive, b goes Disconnected then Connected", async () => {
    assert.ok(agent);
    const running = agent;
    const drifted = (await stackEvents(store, onB, "ResourceModifiedExternally")).length;
    const cutAt = Date.now();
    link.refuse();
    await eventually(
      "the control plane to show b Disconnected",
      async () => ((await clusterRow("b"))["connection"] === "Disconnected" ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const stack = await call("GET", `/api/v1/stacks/${onB}`, admin);
    assert.match(
      String((stack.body["clusterUnreachable"] as { message?: string } | null)?.message),
      /^cluster unreachable since /,
    );

    // What the user gives during the outage: a change to b's stack and a new stack on b.
    const generation = String((await store.stacks.get(onB))?.generation);
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

    // What happens in b during the outage: two drifts, each reverted by the agent to what it last knew.
    for (const players of [77, 78]) {
      await kubeB.request("PATCH", stackPath("on-b"), {
        query: { fieldManager: "kubectl-edit" },
        body: { spec: { params: { maxPlayers: players } } },
        contentType: "application/merge-patch+json",
      });
      await eventually(`the agent to revert maxPlayers ${players}`, async () =>
        (await maxPlayers(kubeB, "on-b")) === 10 ? true : undefined,
      );
    }
    assert.ok(running.buffer.size >= 4, `buffered ${running.buffer.size} observations`);

    // The outage lasts until the control plane has not heard from b for 60 s by its own lastSeen,
    // and the agent has counted its failed reports meanwhile; nothing is slept.
    const held = await eventually(
      "b to be unheard of for 60 s while the agent keeps failing to report",
      async () => {
        const row = await clusterRow("b");
        const silent = Date.now() - Date.parse(String(row["lastSeen"]));
        const failures = await failedCalls(agentRegistry, "report");
        return row["connection"] === "Disconnected" && silent >= 60_000 && failures >= 5
          ? { silent, failures }
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    assert.equal(await kubeB.request("GET", stackPath("late")).catch(() => 404), 404, "nothing reached b");
    const buffered = running.buffer.size;
    link.accept();
    const backAt = Date.now();

    await eventually("the buffered observations to be acknowledged", () =>
      running.buffer.size === 0 ? true : undefined,
    );
    const caughtUp = Date.now() - backAt;
    await eventually("the outage's change to reach b", async () =>
      (await maxPlayers(kubeB, "on-b")) === 20 ? true : undefined,
    );
    const applied = Date.now() - backAt;
    await stackConverged(store, lateId, explainB);
    assert.equal(await maxPlayers(kubeB, "late"), 5);
    await assert.rejects(kubeA.request("GET", stackPath("late")), { status: 404 });
    await eventually("b to show Connected again", async () =>
      (await clusterRow("b"))["connection"] === "Connected" ? true : undefined,
    );

    const drift = (await stackEvents(store, onB)).filter(
      (e) => e.type === "ResourceModifiedExternally" || e.type === "DriftCorrected",
    );
    const during = drift.slice(drifted * 2, drifted * 2 + 4);
    assert.deepEqual(
      during.map((e) => e.type),
      ["ResourceModifiedExternally", "DriftCorrected", "ResourceModifiedExternally", "DriftCorrected"],
    );
    const seqs = during.map((e) => Number(e.data["seq"]));
    assert.deepEqual(
      [...seqs].sort((x, y) => x - y),
      seqs,
      "in sequence order",
    );
    assert.equal(new Set(seqs).size, seqs.length, "each once");
    for (const e of during)
      assert.ok(
        Date.parse(e.createdAt) >= backAt - 1_000,
        `${e.type} #${String(e.data["seq"])} arrived after the cut`,
      );
    process.stderr.write(
      `# link cut ${((backAt - cutAt) / 1000).toFixed(1)} s (b unheard ${(held.silent / 1000).toFixed(1)} s, ` +
        `${held.failures} failed reports); ${buffered} observations buffered, acknowledged ` +
        `${(caughtUp / 1000).toFixed(2)} s after the link was back; the outage's change in b after ` +
        `${(applied / 1000).toFixed(2)} s\n`,
    );
  });
});
