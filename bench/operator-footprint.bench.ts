/**
 * The operator's own footprint: prints figures, asserts nothing.
 *
 *   STACKWARDEN_TEST_KUBECONFIG=… node bench/operator-footprint.bench.ts --stacks 50 --idle 120 [--heap] [--cpu-prof] [--root DIR]
 *
 * Runs `stackwarden operator` as its own process (through `bin/stackwarden.js`, Node's compile cache
 * filled first, as every start but the very first finds it), watching one fresh namespace of the cluster the
 * kubeconfig names (the shared test sandbox is fine: nothing outside the namespace is touched), and
 * reads the process's /proc:
 *
 * - start-up: CPU seconds and RSS when /readyz first answers (every cache synced, no stack yet);
 * - N minecraft-java stacks created at once: time until all are Ready, CPU spent converging, and
 *   the API requests and writes the operator sent (its `rest_client_requests_total`);
 * - idle: CPU seconds over `--idle` seconds with everything converged, RSS after, peak RSS;
 * - cache contents: the bytes of the objects the operator caches, and how much of that is
 *   `managedFields` (read from the API server with the operator's own selectors);
 * - `--heap`: a heap snapshot after idle, summarised by constructor (self size);
 * - `--cpu-prof`: a CPU profile of the whole run, summarised by package (self time);
 * - at start-up, convergence and after idle, where the RSS is: anonymous vs mapped files (/proc),
 *   and of the anonymous part V8's heap (used / reserved, by space) and memory outside it
 *   (`external`: Buffers and the like), read from the operator's own Node.js metrics;
 * - `--node-flags="…"` (with `=`: a value starting with a dash is otherwise refused): extra Node/V8 flags for the operator (to measure heap settings).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { stackResourceType, type Stack } from "../src/api/stack.ts";
import { KubeClient } from "../src/kube/client.ts";
import { resourcePath } from "../src/kube/resource-type.ts";
import { ownedKinds, pluralOf, groupOf } from "../src/resources/owned-kinds.ts";
import { managedByLabel, managedByValue } from "../src/resources/labels.ts";
import { packageRoot } from "../src/sandbox/paths.ts";
import type { KubeObject } from "../src/api/object.ts";
import { foreignEntry, stripManagedFields } from "../src/kube/cache-transform.ts";
import { createStacks } from "./bench-stacks.ts";
import { freePort, mib, processStats, warmCompileCache } from "./process-stats.ts";
import { summariseCpuProfile, summariseHeapSnapshot, waitForFile } from "./profile-summary.ts";

const { values } = parseArgs({
  options: {
    stacks: { type: "string", default: "50" },
    idle: { type: "string", default: "120" },
    heap: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "node-flags": { type: "string", default: "" },
    // Another checkout's operator (e.g. an older commit, for before/after figures).
    root: { type: "string", default: packageRoot },
  },
});
const n = Number(values.stacks);
const idleSeconds = Number(values.idle);
const kubeconfig = process.env.STACKWARDEN_TEST_KUBECONFIG ?? process.env.KUBECONFIG;
if (!kubeconfig) throw new Error("set STACKWARDEN_TEST_KUBECONFIG (or KUBECONFIG) to the cluster to use");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const client = new KubeClient(kc);
const namespace = `sw-bench-footprint-${randomBytes(3).toString("hex")}`;
const diag = await mkdtemp(join(tmpdir(), "stackwarden-footprint-"));
await client.request("POST", "/api/v1/namespaces", {
  body: { metadata: { name: namespace, labels: { "stackwarden.dev/test": "true" } } },
});
const [metricsPort, healthPort] = [await freePort(), await freePort()];
const nodeFlags = [
  ...(values.heap ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${diag}`] : []),
  ...(values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${diag}`] : []),
  ...values["node-flags"].split(" ").filter(Boolean),
];
// The operator starts through the `stackwarden` launcher, as `npx stackwarden operator` does, with
// Node's compile cache already filled (its first start fills it; the image ships it filled).
warmCompileCache(values.root, values["node-flags"].split(" ").filter(Boolean));
const operator = spawn(
  process.execPath,
  [
    ...nodeFlags,
    join(values.root, "bin", "stackwarden.js"),
    "operator",
    `--kubeconfig=${kubeconfig}`,
    `--namespaces=${namespace}`,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort}`,
    "--log-level=warn",
    // A fresh sandbox has no CRDs yet; installing them is a server-side apply, a no-op when present.
    "--install-crds",
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
const exited = new Promise<number | null>((resolve) => operator.on("exit", resolve));
const pid = operator.pid!;
const rows: Array<[string, string]> = [];
const row = (label: string, value: string): void => void rows.push([label, value]);

try {
  const spawned = Date.now();
  for (;;) {
    // Read the body whole: an unread one keeps its connection, and the pool then stalls.
    const ok = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then(
      async (r) => (await r.arrayBuffer(), r.ok),
      () => false,
    );
    if (ok) break;
    await sleep(50);
  }
  const ready = processStats(pid);
  row("start-up: time to /readyz", `${((Date.now() - spawned) / 1000).toFixed(2)} s`);
  row("start-up: CPU", `${ready.cpuSeconds.toFixed(2)} s`);
  row("start-up: RSS", `${mib(ready.rssMiB)} MiB`);
  row("start-up: RSS anon / file", `${mib(ready.anonMiB)} / ${mib(ready.fileMiB)} MiB`);
  row("start-up: heap used / total / external", await heapFigures());

  const names = Array.from({ length: n }, (_, i) => `mc-${i}`);
  const started = Date.now();
  await createStacks(client, namespace, names);
  for (;;) {
    const list = await client.request<{ items: Stack[] }>("LIST", resourcePath(stackResourceType, namespace));
    if (list.items.filter((s) => s.status?.phase === "Ready").length === n) break;
    await sleep(500);
  }
  const converged = processStats(pid);
  row(`${n} stacks: time to all Ready`, `${((Date.now() - started) / 1000).toFixed(1)} s`);
  row(`${n} stacks: CPU converging`, `${(converged.cpuSeconds - ready.cpuSeconds).toFixed(2)} s`);
  row(`${n} stacks: RSS at convergence`, `${mib(converged.rssMiB)} MiB`);
  row(`${n} stacks: RSS anon / file`, `${mib(converged.anonMiB)} / ${mib(converged.fileMiB)} MiB`);
  row(`${n} stacks: heap used / total / external`, await heapFigures());
  const requests = await requestsByVerb();
  const writes = ["POST", "PATCH", "PUT", "DELETE"].reduce((a, v) => a + (requests.get(v) ?? 0), 0);
  const all = [...requests.values()].reduce((a, b) => a + b, 0);
  row("API requests per stack (all / writes)", `${(all / n).toFixed(1)} / ${(writes / n).toFixed(1)}`);

  await sleep(5000); // let the last status writes' watch events land before the idle window
  const idleFrom = processStats(pid);
  const requestsFrom = all;
  await sleep(idleSeconds * 1000);
  const idle = processStats(pid);
  const idleRequests = [...(await requestsByVerb()).values()].reduce((a, b) => a + b, 0) - requestsFrom;
  row(`idle ${idleSeconds} s: CPU`, `${(idle.cpuSeconds - idleFrom.cpuSeconds).toFixed(2)} s`);
  row(`idle ${idleSeconds} s: API requests`, String(idleRequests));
  row(`RSS after ${idleSeconds} s idle`, `${mib(idle.rssMiB)} MiB`);
  row(`after idle: RSS anon / file`, `${mib(idle.anonMiB)} / ${mib(idle.fileMiB)} MiB`);
  row("after idle: heap used / total / external", await heapFigures());
  row("after idle: V8 spaces, used / size", await heapSpaces());
  row("peak RSS", `${mib(idle.peakRssMiB)} MiB`);
  for (const [label, value] of await cacheContents()) row(label, value);

  if (values.heap) {
    operator.kill("SIGUSR2");
    const file = await waitForFile(diag, ".heapsnapshot");
    console.log(`\nheap after idle, self size by constructor (${file}):`);
    console.log(await summariseHeapSnapshot(file, 20));
  }
} finally {
  operator.kill("SIGTERM");
  await exited;
  await client.request("DELETE", `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  client.close();
}
console.log(`\nstackwarden operator, ${n} minecraft-java stacks (pid ${pid}, node ${process.version}):`);
for (const [label, value] of rows) console.log(`  ${label.padEnd(44)} ${value}`);
if (values["cpu-prof"]) {
  const file = await waitForFile(diag, ".cpuprofile");
  console.log(`\nCPU profile of the whole run, self time by package (${file}):`);
  console.log(await summariseCpuProfile(file, 15));
} else {
  await rm(diag, { recursive: true, force: true });
}

/** The operator's `rest_client_requests_total`, by verb. */
async function requestsByVerb(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^rest_client_requests_total\{verb="(\w+)"\} (\d+)/gm))
    counts.set(m[1]!, Number(m[2]));
  return counts;
}

/** The operator's `nodejs_*` gauges, one sample per line label set. */
async function nodeGauges(): Promise<Array<[string, number]>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return [...text.matchAll(/^(nodejs_heap\w+|nodejs_external_memory_bytes)(\{[^}]*\})? ([\d.e+]+)$/gm)].map(
    (m): [string, number] => [m[1]! + (m[2] ?? ""), Number(m[3])],
  );
}

/** V8 heap used / reserved and memory outside the heap, MiB. */
async function heapFigures(): Promise<string> {
  const g = new Map(await nodeGauges());
  const m = (name: string): string => mib((g.get(name) ?? NaN) / 2 ** 20);
  return `${m("nodejs_heap_size_used_bytes")} / ${m("nodejs_heap_size_total_bytes")} / ${m("nodejs_external_memory_bytes")} MiB`;
}

/** Each V8 space's used and total size, MiB, for the spaces over 1 MiB. */
async function heapSpaces(): Promise<string> {
  const bySpace = new Map<string, { used: number; total: number }>();
  for (const [name, value] of await nodeGauges()) {
    const m = /^nodejs_heap_space_size_(used|total)_bytes\{space="(\w+)"\}$/.exec(name);
    if (!m) continue;
    const entry = bySpace.get(m[2]!) ?? { used: 0, total: 0 };
    entry[m[1] as "used" | "total"] = value / 2 ** 20;
    bySpace.set(m[2]!, entry);
  }
  return [...bySpace]
    .filter(([, v]) => v.total >= 1)
    .map(([space, v]) => `${space} ${mib(v.used)}/${mib(v.total)}`)
    .join(", ");
}

/**
 * Bytes of what the operator caches (as JSON): as the API server serves it, how much of that is
 * managedFields, and what is left after the operator's cache transforms (cache-transform.ts).
 */
async function cacheContents(): Promise<Array<[string, string]>> {
  let served = 0;
  let managed = 0;
  let cached = 0;
  let objects = 0;
  const selector = encodeURIComponent(`${managedByLabel}=${managedByValue}`);
  const lists: Array<[string, (o: KubeObject) => KubeObject]> = [
    [resourcePath(stackResourceType, namespace), stripManagedFields()],
    ...ownedKinds.map(([apiVersion, kind]): [string, (o: KubeObject) => KubeObject] => {
      const base = groupOf(apiVersion) ? `/apis/${apiVersion}` : "/api/v1";
      return [
        `${base}/namespaces/${namespace}/${pluralOf(kind)}?labelSelector=${selector}`,
        stripManagedFields(foreignEntry),
      ];
    }),
  ];
  for (const [path, transform] of lists) {
    const list = await client.request<{ items: KubeObject[] }>("GET", path);
    for (const o of list.items) {
      objects++;
      served += JSON.stringify(o).length;
      managed += JSON.stringify(o.metadata.managedFields ?? []).length;
      cached += JSON.stringify(transform(o)).length;
    }
  }
  const kib = (x: number): string => `${(x / 1024).toFixed(0)} KiB`;
  return [
    ["cached objects (stacks + children)", String(objects)],
    ["their JSON as served / of it managedFields", `${kib(served)} / ${kib(managed)}`],
    ["their JSON as cached (after transforms)", kib(cached)],
  ];
}
