/**
 * Agent benchmark: prints figures, asserts nothing.
 *
 *   npm run bench:agent -- --kubeconfig K --samples 30 --stacks 500 --buffered 1000 --offline-seconds 300
 *
 * Against the cluster K (default: STACKWARDEN_TEST_KUBECONFIG, else the sandbox `default`), with
 * no operator (the Stack CRD must be installed), one control plane (HTTP server, PGlite in a
 * scratch folder):
 * 1. Event lag: a Stack's spec edited by another field manager → its ResourceModifiedExternally
 *    event in the store; through an agent cluster and through a direct cluster; p50/p99.
 * 2. Memory: a `stackwarden agent` process of its own (the CLI, `--metrics-bind-address`) for a
 *    cluster of N stacks: its resident memory once every Stack is applied and it idles, read from
 *    /proc and from its own `/metrics`.
 * 3. Catch-up: the HTTP server stopped until the agent's last success (its own metric) is
 *    `--offline-seconds` old, N observations buffered by the agent meanwhile, the server started
 *    again → time until the agent's buffer is empty (all recorded and acknowledged).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { stackResourceType } from "../src/api/stack.ts";
import { startAgent } from "../src/controlplane/agent/agent.ts";
import { startControlPlane } from "../src/controlplane/control-plane.ts";
import { EventFeed } from "../src/controlplane/event-feed.ts";
import { builtinTemplateRecords } from "../src/controlplane/guardrails.ts";
import { KubeconfigKeyring } from "../src/controlplane/store/kubeconfig-keyring.ts";
import { openStore, type Store } from "../src/controlplane/store/store.ts";
import { createHttpServer } from "../src/http/server.ts";
import { KubeClient } from "../src/kube/client.ts";
import { resourcePath } from "../src/kube/resource-type.ts";
import { createLogger } from "../src/observability/logger.ts";
import { packageRoot } from "../src/sandbox/paths.ts";
import { freePorts } from "../src/sandbox/ports.ts";
import { sandboxUp } from "../src/sandbox/sandbox.ts";
import { metricSum, parsePrometheusText } from "../src/testing/prometheus-text.ts";
import { processStats } from "./process-stats.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    samples: { type: "string", default: "30" },
    buffered: { type: "string", default: "1000" },
    stacks: { type: "string", default: "500" },
    "offline-seconds": { type: "string", default: "300" },
  },
});
const samples = Number(values.samples);
const buffered = Number(values.buffered);
const stackCount = Number(values.stacks);
const offlineSeconds = Number(values["offline-seconds"]);
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const report = (what: string, xs: number[]): void =>
  console.log(
    `${what}: p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms (n=${xs.length})`,
  );

const kubeconfigPath =
  values.kubeconfig ??
  process.env.STACKWARDEN_TEST_KUBECONFIG ??
  (await sandboxUp({ name: "default", env: process.env, log: () => undefined })).kubeconfig;
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const core = kc.makeApiClient(CoreV1Api);
const namespace = `bench-agent-${Date.now().toString(36)}`;
await core.createNamespace({ body: { metadata: { name: namespace } } });
const scratch = await mkdtemp(join(tmpdir(), "stackwarden-bench-agent-"));
const keyring = KubeconfigKeyring.ephemeral();
const quiet = createLogger({ level: "silent" });
const kube = new KubeClient(kc);
const stop = new AbortController();

let store: Store = await openStore({ dataDir: join(scratch, "db"), kubeconfigKeys: keyring });
await store.catalog.syncBuiltins(builtinTemplateRecords());
const admin = (await store.auth.bootstrapAdmin()) ?? "";
let feed = new EventFeed({ store });
let app = createHttpServer({ store, feed, registry: new Registry(), ready: () => true });
const base = await app.listen({ host: "127.0.0.1", port: 0 });
const port = Number(new URL(base).port);
const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
  const answer = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return (await answer.json()) as Record<string, unknown>;
};

const direct = new AbortController();
const cp = await startControlPlane({ store, kubeconfig: kc, logger: quiet, resyncMs: 5_000 }, direct.signal);
const added = await api("POST", "/api/v1/clusters", { name: "edge", mode: "agent" });
await writeFile(join(scratch, "token"), String(added["joinToken"]));
const agentRegistry = new Registry();
const agent = await startAgent(
  {
    controlPlane: base,
    tokenFile: join(scratch, "token"),
    stateDir: join(scratch, "agent"),
    kubeconfig: kc,
    agentVersion: "bench",
    log: quiet,
    bufferLimit: Math.max(10_000, buffered),
    registry: agentRegistry,
  },
  stop.signal,
);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The time from a foreign edit of the Stack to its ResourceModifiedExternally event in the store. */
async function eventLag(cluster: string, name: string): Promise<number[]> {
  const created = await api("POST", "/api/v1/stacks", {
    template: "minecraft-java",
    cluster,
    namespace,
    name,
    params: { eula: true, maxPlayers: 10 },
  });
  const id = String(created["id"]);
  cp.notify(id);
  const path = resourcePath(stackResourceType, namespace, name);
  for (;;) {
    if (
      await kube.request("GET", path).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const lags: number[] = [];
  for (let i = 0; i < samples; i++) {
    const seen = (await store.events({ stackId: id, after: 0, limit: 10_000 })).filter(
      (e) => e.type === "ResourceModifiedExternally",
    ).length;
    let started = 0;
    const arrived = new Promise<number>((resolve) => {
      const check = async (): Promise<void> => {
        const n = (await store.events({ stackId: id, after: 0, limit: 10_000 })).filter(
          (e) => e.type === "ResourceModifiedExternally",
        ).length;
        if (n > seen) {
          off();
          resolve(performance.now() - started);
        }
      };
      const off = store.onAppend(() => void check());
    });
    started = performance.now();
    await kube.request("PATCH", path, {
      query: { fieldManager: "kubectl-edit" },
      body: { spec: { params: { maxPlayers: 11 + (i % 5) } } },
      contentType: "application/merge-patch+json",
    });
    lags.push(await arrived);
    await new Promise((r) => setTimeout(r, 200)); // let the revert settle before the next edit
  }
  return lags;
}

report("event lag, direct", await eventLag("local", "direct"));
report("event lag, agent ", await eventLag("edge", "agent"));

/** One agent process's resident memory with `count` stacks on its cluster. */
async function agentMemory(count: number): Promise<void> {
  const joined = await api("POST", "/api/v1/clusters", { name: "edge-memory", mode: "agent" });
  await writeFile(join(scratch, "token-memory"), String(joined["joinToken"]));
  const [metricsPort] = await freePorts(1);
  const child = spawn(
    process.execPath,
    [
      join(packageRoot, "src/cli/main.ts"),
      "agent",
      `--control-plane=${base}`,
      `--token-file=${join(scratch, "token-memory")}`,
      `--state-dir=${join(scratch, "agent-memory")}`,
      `--kubeconfig=${kubeconfigPath}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      "--log-level=warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const memoryNamespace = `${namespace}-memory`;
  await core.createNamespace({ body: { metadata: { name: memoryNamespace } } });
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await api("POST", "/api/v1/stacks", {
      template: "minecraft-java",
      cluster: "edge-memory",
      namespace: memoryNamespace,
      name: `s${i}`,
      params: { eula: true, maxPlayers: 10 },
    });
  }
  const created = performance.now();
  const stacksPath = resourcePath(stackResourceType, memoryNamespace);
  for (;;) {
    const list = await kube.request<{ items: unknown[] }>("GET", stacksPath);
    if (list.items.length >= count) break;
    await sleep(1_000);
  }
  const applied = performance.now();
  await sleep(30_000); // idle: what it holds, not what it allocated while applying
  const pid = child.pid as number;
  const idle = processStats(pid);
  const scraped = parsePrometheusText(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
  const rssMetric = metricSum(scraped, "process_resident_memory_bytes") / 2 ** 20;
  console.log(
    `agent memory, ${count} stacks: RSS ${idle.rssMiB.toFixed(0)} MiB (its /metrics: ${rssMetric.toFixed(0)} MiB), ` +
      `peak ${idle.peakRssMiB.toFixed(0)} MiB, heap and other anonymous ${idle.anonMiB.toFixed(0)} MiB; ` +
      `${count} stacks created in ${((created - started) / 1000).toFixed(1)} s, all applied by the agent ` +
      `${((applied - created) / 1000).toFixed(1)} s later; ${idle.cpuSeconds.toFixed(1)} CPU s in all`,
  );
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  await core.deleteNamespace({ name: memoryNamespace }).catch(() => undefined);
}
if (stackCount > 0) await agentMemory(stackCount);

// Catch-up: the control plane away while observations pile up in the agent's buffer.
direct.abort();
await cp.done;
await app.close();
feed.close();
await store.close();
const stackId = (await (async () => {
  const s = await openStore({ dataDir: join(scratch, "db"), kubeconfigKeys: keyring });
  const id = (await s.stacks.listLive()).find((x) => x.cluster === "edge")?.id;
  await s.close();
  return id;
})()) as string;
const offlineFrom = performance.now();
for (let i = 0; i < buffered; i++) {
  await agent.buffer.append({ stackId, kind: "event", type: "KubernetesEvent", actor: "bench", data: { i } });
}
// Offline until the agent itself says its last success is that old.
for (;;) {
  const scraped = parsePrometheusText(await agentRegistry.metrics());
  const last = metricSum(scraped, "stackwarden_agent_control_plane_last_success_timestamp_seconds");
  if (Date.now() / 1000 - last >= offlineSeconds) break;
  await sleep(1_000);
}
const offline = (performance.now() - offlineFrom) / 1000;
store = await openStore({ dataDir: join(scratch, "db"), kubeconfigKeys: keyring });
feed = new EventFeed({ store });
app = createHttpServer({ store, feed, registry: new Registry(), ready: () => true });
const restarted = performance.now();
await app.listen({ host: "127.0.0.1", port });
while (agent.buffer.size > 0) await sleep(20);
const replayed = metricSum(
  parsePrometheusText(await agentRegistry.metrics()),
  "stackwarden_agent_observations_replayed_total",
);
console.log(
  `catch-up: ${buffered} buffered observations recorded in ${((performance.now() - restarted) / 1000).toFixed(2)} s ` +
    `after the control plane came back from ${offline.toFixed(0)} s offline (${replayed} counted replayed)`,
);

stop.abort();
await agent.done.catch(() => undefined);
await app.close();
feed.close();
await store.close();
kube.close();
await core.deleteNamespace({ name: namespace }).catch(() => undefined);
await rm(scratch, { recursive: true, force: true });
