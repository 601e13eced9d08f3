/**
 * The operator at scale (issue 16): prints figures, asserts nothing. CI does not run it.
 *
 *   node bench/scale.bench.ts --stacks 2000 --idle 60 --repairs 50 [--resync 80] [--heap] [--cpu-prof] [--control-plane]
 *     [--bundle] [--node-flags=--lite-mode]
 *
 * Starts a private sandbox called `scale` (stopped at the end, given KWOK nodes enough for 2N pods)
 * unless STACKWARDEN_TEST_KUBECONFIG names a cluster. `stackwarden operator` runs as its own process, through `bin/stackwarden.js` with
 * Node's compile cache filled (or with `--bundle` as the image runs it, with `--node-flags` more V8
 * flags: process-stats.ts's `operatorLaunch`), watching one fresh namespace; its RSS and CPU seconds come from /proc,
 * its API requests from its own `rest_client_requests_total`.
 *
 * 1. N minecraft-java stacks created at once: time until all are Ready; requests per stack (all /
 *    writes); RSS at start-up, at convergence and its peak; CPU seconds converging.
 * 2. Idle, everything converged: CPU seconds and requests over `--idle` seconds, RSS after.
 * 3. Drift repair while idle: a stack's Service deleted, time until a new one exists (p50, p99).
 * 4. A restart on N converged stacks, then a resync: the operator is stopped and started again
 *    with `--resync-period-seconds` set to `--resync` (default 2N/50 s, at least 30); its first pass over the N stacks (requests,
 *    CPU seconds, time), then its first resync (requests and CPU seconds from the resync's
 *    enqueueing to an empty work queue; the goal is 0 requests).
 * 5. The floor: the same objects `minecraft-java` renders for N stacks, applied by a plain
 *    server-side-apply loop at the operator's concurrency (4) into another namespace, until their
 *    StatefulSets are ready; its time and requests. It runs last, with the operator stopped and the
 *    operator's N stacks still in the cluster.
 *
 * The stacks' Stack resources are created in the cluster, 32 at a time. With `--control-plane` they
 * are created through a control plane instead (`bench-control-plane.ts`: its HTTP API and workers
 * in this process, PGlite), as a panel's user creates them, so that its observer follows all N:
 * time to all Ready then counts from the first `POST /api/v1/stacks`, and the control plane's
 * observer lag is measured
 * - at convergence: from the moment this benchmark sees all N Ready in the cluster (it lists them
 *   every 2 s) until the store holds all N observed Ready (read every 500 ms);
 * - while idle, in step 3: from each Service's deletion until the store appends its
 *   `ResourceDeletedExternally` event and the operator's correction's `DriftCorrected` (p50, p99).
 * The control plane then shares the machine with the operator and the sandbox while the floor
 * (step 5) does not, so the operator's time to Ready against the floor is a figure of runs
 * without it. `--heap` prints a summary of a heap snapshot of the operator
 * at N stacks (after step 3), `--cpu-prof` one of a CPU profile of its first run (steps 1 to 3;
 * the profiler adds to its CPU seconds). Their files stay in a temporary folder, named in the output.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../src/api/object.ts";
import { stackResourceType, type Stack } from "../src/api/stack.ts";
import { validate } from "../src/api/validate.ts";
import { KubeClient } from "../src/kube/client.ts";
import { kubeAccessFromText } from "../src/kube/kubeconfig.ts";
import { resourcePath } from "../src/kube/resource-type.ts";
import { groupOf, pluralOf } from "../src/resources/owned-kinds.ts";
import { render } from "../src/resources/render.ts";
import { packageRoot } from "../src/sandbox/paths.ts";
import { findTemplate } from "../src/templates/registry.ts";
import { benchCluster, ensurePodCapacity } from "./bench-cluster.ts";
import { benchControlPlane, type BenchControlPlane } from "./bench-control-plane.ts";
import { createStacks, pool } from "./bench-stacks.ts";
import { freePort, mib, operatorLaunch, processStats } from "./process-stats.ts";
import { summariseCpuProfile, summariseHeapSnapshot, waitForFile } from "./profile-summary.ts";

const { values } = parseArgs({
  options: {
    stacks: { type: "string", default: "2000" },
    idle: { type: "string", default: "60" },
    repairs: { type: "string", default: "50" },
    resync: { type: "string" },
    "control-plane": { type: "boolean", default: false },
    heap: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    // Run the operator from the bundle the image ships (dist/main.js) instead of bin/stackwarden.js.
    bundle: { type: "boolean", default: false },
    // More V8 or Node flags for the operator, e.g. --node-flags=--lite-mode (space-separated).
    "node-flags": { type: "string", default: "" },
  },
});
const n = Number(values.stacks);
const idleSeconds = Number(values.idle);
const repairs = Number(values.repairs);
// Every reconcile takes a token from the operator's bucket (50/s, docs/runtime.md), so a resync of
// N converged stacks takes at least N/50 s; a period shorter than that never lets the queue drain.
const resyncSeconds = Number(values.resync ?? Math.max(30, Math.ceil((2 * n) / 50)));
const params = { eula: true, memory: "1G" };
const writeVerbs = ["POST", "PATCH", "PUT", "DELETE"];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
/** Polls `check` every `everyMs` until it is true. */
async function until(check: () => Promise<boolean>, everyMs: number): Promise<void> {
  while (!(await check())) await sleep(everyMs);
}

const shared = process.env.STACKWARDEN_TEST_KUBECONFIG;
const cluster = shared ? undefined : await benchCluster("scale");
const kubeconfig = shared ?? cluster!.sandbox.kubeconfig;
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const client = new KubeClient(kc);
const suffix = randomBytes(3).toString("hex");
const namespace = `sw-scale-${suffix}`;
const floorNamespace = `floor-scale-${suffix}`;
const names = Array.from({ length: n }, (_, i) => `mc-${i}`);
const rows: Array<[string, string]> = [];
/** Heap snapshot and CPU profile summaries, printed after the figures. */
const summaries: string[] = [];
const row = (label: string, value: string): void => {
  rows.push([label, value]);
  process.stderr.write(`  ${label}: ${value}\n`);
};

/** One `stackwarden operator` process and its metrics. */
interface Operator {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
  /** The sum of a metric's samples whose labels contain `labels` (e.g. `verb="PATCH"`). */
  metric(name: string, labels?: string): Promise<number>;
  requests(verbs?: readonly string[]): Promise<number>;
  stop(): Promise<void>;
}

async function startOperator(
  extraFlags: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<Operator> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      ...launch.command,
      "operator",
      `--kubeconfig=${kubeconfig}`,
      `--namespaces=${namespace}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      "--log-level=error",
      ...extraFlags,
    ],
    { env: launch.env, stdio: ["ignore", "ignore", "inherit"] },
  );
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const metric = async (name: string, labels = ""): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    let sum = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([\\d.e+-]+)$`, "gm")))
      if ((m[1] ?? "").includes(labels)) sum += Number(m[2]);
    return sum;
  };
  const operator: Operator = {
    pid: child.pid!,
    child,
    exited,
    metric,
    requests: async (verbs) => {
      if (!verbs) return metric("rest_client_requests_total");
      let sum = 0;
      for (const v of verbs) sum += await metric("rest_client_requests_total", `verb="${v}"`);
      return sum;
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
  await until(
    () =>
      // Read the body whole: an unread one keeps its connection, and the pool then stalls.
      fetch(`http://127.0.0.1:${healthPort}/readyz`).then(
        async (r) => (await r.arrayBuffer(), r.ok),
        () => false,
      ),
    50,
  );
  return operator;
}

/** True when the operator's work queues are empty and no reconcile is running. */
async function quiet(op: Operator): Promise<boolean> {
  return (
    (await op.metric("workqueue_depth")) === 0 && (await op.metric("controller_runtime_active_workers")) === 0
  );
}

let lastProgress = 0;
/** Progress on standard error, at most every 20 s: a run at thousands of stacks takes many minutes. */
function progress(line: string): void {
  if (Date.now() - lastProgress < 20_000) return;
  lastProgress = Date.now();
  process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

async function readyStacks(): Promise<number> {
  const list = await client.request<{ items: Stack[] }>("LIST", resourcePath(stackResourceType, namespace));
  const ready = list.items.filter((s) => s.status?.phase === "Ready").length;
  progress(`${ready} of ${n} stacks Ready`);
  return ready;
}

/** The path of `object` in `ns`; the floor's kinds are all built in. */
function pathOf(object: KubeObject, ns: string): string {
  const apiVersion = object.apiVersion ?? "v1";
  const base = groupOf(apiVersion) ? `/apis/${apiVersion}` : "/api/v1";
  return `${base}/namespaces/${ns}/${pluralOf(object.kind ?? "")}/${object.metadata.name}`;
}

const diag = await mkdtemp(join(tmpdir(), "stackwarden-scale-"));
let operator: Operator | undefined;
// How the operator is started: set once, before its first start.
let launch: Awaited<ReturnType<typeof operatorLaunch>> = { command: [], env: {} };
let controlPlane: BenchControlPlane | undefined;
try {
  // The stacks' pods, the floor's, and room for the sandbox's own.
  await ensurePodCapacity(client, 2 * n + 50, { addNodes: !shared });
  for (const ns of [namespace, floorNamespace])
    await client.request("POST", "/api/v1/namespaces", {
      body: { metadata: { name: ns, labels: { "stackwarden.dev/test": "true" } } },
    });
  process.stderr.write(`scale: ${n} stacks in ${namespace}\n`);
  launch = await operatorLaunch(packageRoot, {
    bundle: values.bundle,
    nodeFlags: values["node-flags"].split(" ").filter(Boolean),
  });

  // 1. Converge N stacks.
  // A fresh sandbox has no CRDs yet; the restart below finds them.
  operator = await startOperator(
    ["--install-crds"],
    [
      ...(values.heap ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${diag}`] : []),
      ...(values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${diag}`] : []),
    ],
  );
  const start = processStats(operator.pid);
  row("start-up: CPU / RSS", `${start.cpuSeconds.toFixed(2)} s / ${mib(start.rssMiB)} MiB`);
  if (values["control-plane"])
    controlPlane = await benchControlPlane(await kubeAccessFromText(await readFile(kubeconfig, "utf8")));
  const started = Date.now();
  let ids = new Map<string, string>(); // name → the control plane's id
  if (controlPlane) ids = await controlPlane.createStacks(namespace, names, params);
  else await createStacks(client, namespace, names, params);
  if (controlPlane) row(`control plane: ${n} stacks created through its API`, seconds(Date.now() - started));
  await until(async () => (await readyStacks()) === n, 2000);
  const operatorMs = Date.now() - started;
  if (controlPlane) {
    const cp = controlPlane;
    const seenReady = Date.now();
    await until(async () => (await cp.observedIn("Ready")) === n, 500);
    row(`observer: all ${n} recorded Ready after the cluster showed them`, seconds(Date.now() - seenReady));
  }
  const converged = processStats(operator.pid);
  const all = await operator.requests();
  const writes = await operator.requests(writeVerbs);
  row(`${n} stacks: time to all Ready`, seconds(operatorMs));
  row("requests per stack (all / writes)", `${(all / n).toFixed(1)} / ${(writes / n).toFixed(1)}`);
  const verbs = ["GET", "LIST", "WATCH", "POST", "PATCH", "PUT", "DELETE"];
  const byVerb: string[] = [];
  for (const verb of verbs) {
    const count = await operator.requests([verb]);
    if (count > 0) byVerb.push(`${verb} ${(count / n).toFixed(2)}`);
  }
  row("requests per stack, by verb", byVerb.join(", "));
  row("CPU converging", `${(converged.cpuSeconds - start.cpuSeconds).toFixed(1)} s`);
  row("RSS at convergence / peak", `${mib(converged.rssMiB)} / ${mib(converged.peakRssMiB)} MiB`);
  row("RSS growth per stack", `${(((converged.rssMiB - start.rssMiB) / n) * 1024).toFixed(1)} KiB`);

  // 2. Idle.
  await until(() => quiet(operator!), 500);
  await sleep(5000); // let the last status writes' watch events land before the idle window
  const idleFrom = processStats(operator.pid);
  const idleRequests = await operator.requests();
  await sleep(idleSeconds * 1000);
  const idle = processStats(operator.pid);
  row(
    `idle ${idleSeconds} s: CPU / requests`,
    `${(idle.cpuSeconds - idleFrom.cpuSeconds).toFixed(2)} s / ${(await operator.requests()) - idleRequests}`,
  );
  row(`RSS after ${idleSeconds} s idle`, `${mib(idle.rssMiB)} MiB`);

  // 3. Drift repair while idle.
  const latencies: number[] = [];
  const observerLags = { ResourceDeletedExternally: [] as number[], DriftCorrected: [] as number[] };
  let unrecorded = 0;
  for (let i = 0; i < repairs; i++) {
    const name = names[(i * 37) % n]!;
    const path = `/api/v1/namespaces/${namespace}/services/${name}`;
    const before = await client.request<KubeObject>("GET", path);
    const recorded = controlPlane
      ? await Promise.all(
          (Object.keys(observerLags) as Array<keyof typeof observerLags>).map(async (type) => ({
            type,
            ...(await controlPlane!.nextEvent(ids.get(name)!, type, 60_000)),
          })),
        )
      : [];
    const t0 = performance.now();
    await client.request("DELETE", path);
    await until(async () => {
      const now = await client.request<KubeObject>("GET", path).catch(() => undefined);
      return now !== undefined && now.metadata.uid !== before.metadata.uid;
    }, 10);
    latencies.push(performance.now() - t0);
    for (const { type, arrived } of recorded) {
      const at = await arrived;
      if (at === undefined) unrecorded++;
      else observerLags[type].push(at - t0);
    }
  }
  row(
    `drift repair, ${repairs} Services deleted (p50 / p99)`,
    `${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)} ms`,
  );
  if (controlPlane) {
    for (const [type, lags] of Object.entries(observerLags))
      row(
        `observer: deletion → ${type} in the store (p50 / p99)`,
        `${percentile(lags, 50).toFixed(0)} / ${percentile(lags, 99).toFixed(0)} ms`,
      );
    row("observer: events not recorded within 60 s", String(unrecorded));
  }
  const final = processStats(operator.pid);
  row("peak RSS (whole first run)", `${mib(final.peakRssMiB)} MiB`);
  // Read after the peak: writing a snapshot takes about as much memory again.
  if (values.heap) {
    operator.child.kill("SIGUSR2");
    const file = await waitForFile(diag, ".heapsnapshot");
    summaries.push(`heap at ${n} stacks after idle and repairs, self size by constructor (${file}):`);
    summaries.push(await summariseHeapSnapshot(file, 20));
  }
  await operator.stop();
  if (values["cpu-prof"]) {
    const file = await waitForFile(diag, ".cpuprofile");
    summaries.push(
      `CPU profile of the first run (converging, idle, repairs), self time by package (${file}):`,
    );
    summaries.push(await summariseCpuProfile(file, 15));
  }

  // 4. Restart on N converged stacks, then one resync.
  operator = await startOperator([`--resync-period-seconds=${resyncSeconds}`]);
  const restart = processStats(operator.pid);
  const restartedAt = Date.now();
  const adds0 = await operator.metric("workqueue_adds_total");
  // The first pass: every stack is added once the caches have synced. Polled every second: each
  // scrape of /metrics costs the operator CPU (about 9 ms at 2,000 stacks, one series per stack).
  await until(
    async () => (await operator!.metric("workqueue_adds_total")) - adds0 >= n && (await quiet(operator!)),
    1000,
  );
  const firstPass = processStats(operator.pid);
  const firstPassRequests = await operator.requests();
  const firstPassWrites = await operator.requests(writeVerbs);
  row(
    `restart: first pass over ${n} stacks (requests / writes)`,
    `${firstPassRequests} / ${firstPassWrites}`,
  );
  row(
    "restart: CPU start-up / first pass, time",
    `${restart.cpuSeconds.toFixed(2)} s / ${(firstPass.cpuSeconds - restart.cpuSeconds).toFixed(1)} s, ${seconds(Date.now() - restartedAt)}`,
  );
  row("restart: RSS after the first pass", `${mib(firstPass.rssMiB)} MiB`);
  const adds1 = await operator.metric("workqueue_adds_total");
  const reconciles1 = await operator.metric("controller_runtime_reconcile_total");
  // Its start is caught within 100 ms (those scrapes fall before the window measured), its end
  // within a second (fewer scrapes inside it).
  await until(async () => (await operator!.metric("workqueue_adds_total")) - adds1 >= n, 100);
  const resyncFrom = processStats(operator.pid);
  const resyncStarted = Date.now();
  await until(
    async () =>
      (await operator!.metric("controller_runtime_reconcile_total")) - reconciles1 >= n &&
      (await quiet(operator!)),
    1000,
  );
  const resynced = processStats(operator.pid);
  row(
    `resync of ${n} converged stacks: requests / writes`,
    `${(await operator.requests()) - firstPassRequests} / ${(await operator.requests(writeVerbs)) - firstPassWrites}`,
  );
  row(
    "resync: CPU / time",
    `${(resynced.cpuSeconds - resyncFrom.cpuSeconds).toFixed(2)} s / ${seconds(Date.now() - resyncStarted)}`,
  );
  row("restart: peak RSS", `${mib(resynced.peakRssMiB)} MiB`);
  await operator.stop();
  operator = undefined;

  // 5. The floor.
  const template = findTemplate("minecraft-java")!;
  const checked = validate(template.params, params);
  if (!checked.ok) throw new Error("minecraft-java rejects the benchmark's params");
  const floorClient = new KubeClient(kc);
  const floorStarted = Date.now();
  await pool(names, 4, async (name) => {
    const owner = {
      apiVersion: "v1",
      kind: "ConfigMap",
      name,
      namespace: floorNamespace,
      uid: "u",
      generation: 1,
    };
    const rendered = render(template, owner, checked.value as Record<string, unknown>);
    for (const o of rendered.components.flatMap((c) => c.objects)) {
      const object = { ...o, metadata: { ...o.metadata, ownerReferences: [] } } as KubeObject;
      await floorClient.request("PATCH", pathOf(object, floorNamespace), {
        query: { fieldManager: "floor", force: true },
        body: object,
        contentType: "application/apply-patch+yaml",
      });
    }
    await floorClient.request("POST", `/api/v1/namespaces/${floorNamespace}/secrets`, {
      body: { metadata: { name: `${name}-rcon` }, data: { "rcon-password": "eHh4eA==" } },
    });
  });
  await until(async () => {
    const list = await floorClient.request<{ items: Array<{ status?: { readyReplicas?: number } }> }>(
      "LIST",
      `/apis/apps/v1/namespaces/${floorNamespace}/statefulsets`,
    );
    const ready = list.items.filter((s) => s.status?.readyReplicas === 1).length;
    progress(`floor: ${ready} of ${n} StatefulSets ready`);
    return ready === n;
  }, 2000);
  const floorMs = Date.now() - floorStarted;
  const floorRequests = [...floorClient.requestCounts.values()].reduce((a, b) => a + b, 0);
  floorClient.close();
  row(`floor: ${n} stacks' objects applied, StatefulSets ready`, seconds(floorMs));
  row("floor: requests per stack", (floorRequests / n).toFixed(1));
  row("operator / floor, time to Ready", `${(operatorMs / floorMs).toFixed(2)}×`);
} finally {
  await operator?.stop();
  await controlPlane?.close();
  if (!values.heap && !values["cpu-prof"]) await rm(diag, { recursive: true, force: true });
  if (shared)
    for (const ns of [namespace, floorNamespace])
      await client.request("DELETE", `/api/v1/namespaces/${ns}`).catch(() => undefined);
  client.close();
  await cluster?.done();
}
console.log(`\nstackwarden operator at scale: ${n} minecraft-java stacks (node ${process.version})`);
for (const [label, value] of rows) console.log(`  ${label.padEnd(52)} ${value}`);
for (const summary of summaries) console.log(`\n${summary}`);
