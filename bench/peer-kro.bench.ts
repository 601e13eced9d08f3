/**
 * Stackwarden beside kro (kubernetes-sigs/kro), a Go controller doing the same job: prints the
 * table of issue 16, asserts nothing. CI does not run it.
 *
 *   STACKWARDEN_TEST_KUBECONFIG=… node bench/peer-kro.bench.ts --instances 50 --idle 120 --repairs 20
 *   node bench/peer-kro.bench.ts --instances 200 --order stackwarden,kro [--bundle] [--node-flags=--lite-mode]
 *
 * kro's controller is built from its Go module and cached (bench/kro.ts; the first build takes
 * minutes), its CRDs come from the same module. One controller runs at a time (kro first unless
 * `--order` says otherwise), each as its own process, on N minecraft-java instances in a namespace
 * of its own; their /proc is read the same way (process-stats.ts). Without
 * STACKWARDEN_TEST_KUBECONFIG each controller gets a private sandbox of its own (bench-cluster.ts),
 * since on one sandbox the second to run converged much more slowly than the first, whichever it
 * was; on a shared cluster the next one starts once the previous one's namespace is gone. "Sandbox
 * CPU" is the API server's, etcd's and KWOK's CPU seconds during convergence: on a shared cluster it
 * includes whatever others ran meanwhile.
 *
 * The ResourceGraphDefinition is generated from what `minecraft-java` renders (same ConfigMap,
 * StatefulSet and Service, and the rcon Secret), with the instance's name and namespace as CEL
 * expressions. What the mirror cannot express:
 * - generate-once secrets: the rcon Secret's password is a constant (kro would re-apply any
 *   generated value on every reconcile);
 * - parameters: eula and memory are fixed in the mirror (kro's schema could carry them; the
 *   benchmark uses one value for every instance on both sides);
 * - rollback to the last good revision of a stack;
 * - drift-fight detection (a field manager that keeps re-applying is left alone by us, fought by kro);
 * - pause (kro has no way to stop reconciling one instance).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { load } from "js-yaml";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../src/api/object.ts";
import { stackResourceType, type Stack } from "../src/api/stack.ts";
import { validate } from "../src/api/validate.ts";
import { KubeClient } from "../src/kube/client.ts";
import { KubeApiError } from "../src/kube/errors.ts";
import { resourcePath } from "../src/kube/resource-type.ts";
import { render } from "../src/resources/render.ts";
import { findTemplate } from "../src/templates/registry.ts";
import { packageRoot } from "../src/sandbox/paths.ts";
import { benchCluster, ensurePodCapacity } from "./bench-cluster.ts";
import { kroBinary, kroCrdDir } from "./kro.ts";
import { freePort, mib, operatorLaunch, processStats } from "./process-stats.ts";

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "50" },
    idle: { type: "string", default: "120" },
    repairs: { type: "string", default: "20" },
    order: { type: "string", default: "kro,stackwarden" },
    // Run the operator from the bundle the image ships (dist/main.js) instead of bin/stackwarden.js.
    bundle: { type: "boolean", default: false },
    // More V8 or Node flags for our operator, e.g. "--lite-mode" (space-separated).
    "node-flags": { type: "string", default: "" },
  },
});
const n = Number(values.instances);
const idleSeconds = Number(values.idle);
const repairs = Number(values.repairs);
const params = { eula: true, memory: "1G" };
// Polls of all N instances every 250 ms would load the API server at N = 2,000: 1 ms per instance.
const pollMs = Math.max(250, n);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
async function until(check: () => Promise<boolean>, what: string, limitMs = 15 * 60_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(pollMs);
  }
}
async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const shared = process.env.STACKWARDEN_TEST_KUBECONFIG;
/** The cluster the controller under test runs on: assigned by {@link onCluster}. */
let kubeconfig = "";
let client: KubeClient;

/**
 * Runs `fn` with `kubeconfig` and `client` set: on the shared cluster, or on a private sandbox of
 * its own, started for it and stopped after. Each controller gets a fresh sandbox: on one sandbox,
 * whichever controller ran second took 1.6–1.8× as long to converge as when it ran first, the
 * sandbox still slower from the first one's 200 instances after they were gone.
 */
async function onCluster<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const cluster = shared ? undefined : await benchCluster(`peer-${name}`);
  kubeconfig = shared ?? cluster!.sandbox.kubeconfig;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  client = new KubeClient(kc);
  try {
    // One instance is one pod.
    await ensurePodCapacity(client, n + 50, { addNodes: !shared });
    return await fn();
  } finally {
    client.close();
    await cluster?.done();
  }
}
const suffix = Math.random().toString(16).slice(2, 8);

/** CPU seconds of the sandbox's processes (API server, etcd, KWOK), from its state file. */
function sandboxCpu(): number {
  const stateFile = join(dirname(kubeconfig), "state.json");
  if (!existsSync(stateFile)) return NaN;
  const { pids } = JSON.parse(readFileSync(stateFile, "utf8")) as { pids: Record<string, number> };
  return Object.values(pids).reduce(
    (a, pid) => a + (existsSync(`/proc/${pid}`) ? processStats(pid).cpuSeconds : 0),
    0,
  );
}

/** The RGD mirroring minecraft-java: its rendered objects with name and namespace as CEL. */
function resourceGraphDefinition(): KubeObject {
  const template = findTemplate("minecraft-java")!;
  const checked = validate(template.params, params);
  if (!checked.ok) throw new Error("minecraft-java rejects the benchmark's params");
  const owner = {
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "KRONAME",
    namespace: "KRONS",
    uid: "u",
    generation: 1,
  };
  const rendered = render(template, owner, checked.value as Record<string, unknown>);
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "KRONAME-rcon", namespace: "KRONS" },
    stringData: { "rcon-password": "benchmark" },
  };
  const objects = [secret, ...rendered.components.flatMap((c) => c.objects)].map((o) => {
    const { ownerReferences: _o, labels = {}, ...metadata } = o.metadata as KubeObject["metadata"];
    const kept = Object.fromEntries(
      Object.entries(labels).filter(
        ([k]) => k !== "app.kubernetes.io/managed-by" && k !== "stackwarden.dev/generation",
      ),
    );
    return { ...o, metadata: { ...metadata, labels: kept } };
  });
  const json = JSON.stringify(objects)
    .replaceAll("KRONAME", "${schema.metadata.name}")
    .replaceAll("KRONS", "${schema.metadata.namespace}");
  const templates = JSON.parse(json) as Array<{ kind: string }>;
  return {
    apiVersion: "kro.run/v1alpha1",
    kind: "ResourceGraphDefinition",
    metadata: { name: "minecraftjava.kro.run" },
    spec: {
      schema: { apiVersion: "v1alpha1", kind: "MinecraftJava", spec: { note: 'string | default=""' } },
      resources: templates.map((t, i) => ({ id: `${t.kind.toLowerCase()}${i}`, template: t })),
    },
  } as KubeObject;
}

const apply = (path: string, body: unknown): Promise<unknown> =>
  client.request("PATCH", path, {
    query: { fieldManager: "peer-bench", force: true },
    body,
    contentType: "application/apply-patch+yaml",
  });

/** One controller under test: how to start it, create and count its instances, and remove them. */
interface Contender {
  readonly name: string;
  readonly namespace: string;
  start(metricsPort: number, healthPort: number): Promise<ReturnType<typeof spawn>>;
  create(name: string): Promise<unknown>;
  allReady(): Promise<boolean>;
  deleteAll(): Promise<unknown>;
  /** Instances left (deleted ones wait for their finalizer, which the controller removes). */
  instancesLeft(): Promise<number>;
  /** Write requests so far by verb, from the controller's own `rest_client_requests_total`. */
  writes(metricsPort: number): Promise<Writes>;
  /** The language heap in MiB, from the controller's own metrics: in use, and reserved from the OS. */
  heap(metricsPort: number): Promise<{ used: number; reserved: number }>;
}

const kroInstances = `/apis/kro.run/v1alpha1/namespaces/kro-${suffix}/minecraftjavas`;
const readyStatefulSets = async (namespace: string): Promise<number> =>
  (
    await client.request<{ items: Array<{ status?: { readyReplicas?: number } }> }>(
      "LIST",
      `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
    )
  ).items.filter((s) => s.status?.readyReplicas === 1).length;
const writeVerbs = ["POST", "PATCH", "PUT", "DELETE"] as const;
type Writes = Record<(typeof writeVerbs)[number], number>;

/** The controller's writes so far, by verb, from its client's own request counter. */
const writesFrom = async (port: number, label: "verb" | "method"): Promise<Writes> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const writes: Writes = { POST: 0, PATCH: 0, PUT: 0, DELETE: 0 };
  for (const m of text.matchAll(/^rest_client_requests_total\{([^}]*)\} (\d+)/gm)) {
    const verb = new RegExp(`${label}="(\\w+)"`).exec(m[1]!)?.[1];
    if (verb && verb in writes) writes[verb as keyof Writes] += Number(m[2]);
  }
  return writes;
};

const heapFrom = async (port: number, used: string, reserved: string) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (metric: string): number =>
    Number(new RegExp(`^${metric} (\\S+)`, "m").exec(text)?.[1]) / 2 ** 20;
  return { used: read(used), reserved: read(reserved) };
};

/** Each of V8's heap spaces, used / reserved MiB, from `nodejs_heap_space_size_*_bytes`. */
const v8Spaces = async (port: number): Promise<string> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const bySpace = (what: string): Map<string, number> =>
    new Map(
      [
        ...text.matchAll(
          new RegExp(`^nodejs_heap_space_size_${what}_bytes\\{space="(\\w+)"\\} (\\S+)`, "gm"),
        ),
      ].map((m) => [m[1]!, Number(m[2]) / 2 ** 20]),
    );
  const [used, total] = [bySpace("used"), bySpace("total")];
  return [...total].map(([space, t]) => `${space} ${mib(used.get(space) ?? NaN)} / ${mib(t)}`).join(", ");
};

const kro: Contender = {
  name: "kro",
  namespace: `kro-${suffix}`,
  async start(metricsPort, healthPort) {
    const binary = await kroBinary();
    for (const file of readdirSync(kroCrdDir())) {
      const crd = load(readFileSync(join(kroCrdDir(), file), "utf8")) as KubeObject;
      await apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd);
    }
    const child = spawn(
      binary,
      [
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      ],
      { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ["ignore", "ignore", "ignore"] },
    );
    try {
      // The CRDs may have just been created: the API server serves them once they are established.
      const rgdPath = "/apis/kro.run/v1alpha1/resourcegraphdefinitions/minecraftjava.kro.run";
      await until(
        () =>
          apply(rgdPath, resourceGraphDefinition()).then(
            () => true,
            () => false,
          ),
        "kro's CRDs to be served",
        60_000,
      );
      await until(async () => {
        const rgd = await client.request<{ status?: { state?: string } }>("GET", rgdPath);
        return rgd.status?.state === "Active";
      }, "the ResourceGraphDefinition to be Active");
    } catch (e: unknown) {
      child.kill("SIGTERM"); // never leave kro running when the benchmark gives up
      throw e;
    }
    return child;
  },
  create: (name) =>
    client.request("POST", kroInstances, {
      body: { apiVersion: "kro.run/v1alpha1", kind: "MinecraftJava", metadata: { name }, spec: {} },
    }),
  async allReady() {
    const list = await client.request<{ items: Array<{ status?: { state?: string } }> }>(
      "LIST",
      kroInstances,
    );
    return (
      list.items.filter((i) => i.status?.state === "ACTIVE").length === n &&
      (await readyStatefulSets(this.namespace)) === n
    );
  },
  deleteAll: () => client.request("DELETE", kroInstances),
  instancesLeft: async () => (await client.request<{ items: unknown[] }>("LIST", kroInstances)).items.length,
  writes: (port) => writesFrom(port, "method"),
  heap: (port) => heapFrom(port, "go_memstats_heap_inuse_bytes", "go_memstats_heap_sys_bytes"),
};

const stackwarden: Contender = {
  name: "stackwarden",
  namespace: `sw-${suffix}`,
  start: async (metricsPort, healthPort) => {
    const { command, env } = await operatorLaunch(packageRoot, {
      bundle: values.bundle,
      nodeFlags: values["node-flags"].split(" ").filter(Boolean),
    });
    return spawn(
      process.execPath,
      [
        ...command,
        "operator",
        `--kubeconfig=${kubeconfig}`,
        `--namespaces=sw-${suffix}`,
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${healthPort}`,
        "--log-level=error",
        // A private sandbox has no Stack CRD yet (a server-side apply, a no-op when present).
        "--install-crds",
      ],
      { env, stdio: ["ignore", "ignore", "inherit"] },
    );
  },
  create: (name) =>
    client.request("POST", resourcePath(stackResourceType, `sw-${suffix}`), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name },
        spec: { template: "minecraft-java", params },
      },
    }),
  async allReady() {
    const list = await client.request<{ items: Stack[] }>(
      "LIST",
      resourcePath(stackResourceType, this.namespace),
    );
    return list.items.filter((s) => s.status?.phase === "Ready").length === n;
  },
  deleteAll: () => client.request("DELETE", resourcePath(stackResourceType, `sw-${suffix}`)),
  instancesLeft: async () =>
    (await client.request<{ items: unknown[] }>("LIST", resourcePath(stackResourceType, `sw-${suffix}`)))
      .items.length,
  writes: (port) => writesFrom(port, "verb"),
  heap: (port) => heapFrom(port, "nodejs_heap_size_used_bytes", "nodejs_heap_size_total_bytes"),
};

type Figures = Record<string, number>;

async function measure(c: Contender): Promise<Figures> {
  process.stderr.write(`${c.name}: starting\n`);
  await client.request("POST", "/api/v1/namespaces", {
    body: { metadata: { name: c.namespace, labels: { "stackwarden.dev/test": "true" } } },
  });
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const child = await c.start(metricsPort, healthPort);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const pid = child.pid!;
  const f: Figures = {};
  try {
    await until(
      () =>
        fetch(`http://127.0.0.1:${healthPort}/readyz`).then(
          async (r) => (await r.arrayBuffer(), r.ok),
          () => false,
        ),
      `${c.name} to be ready`,
    );
    const atStart = processStats(pid);
    f.startCpu = atStart.cpuSeconds;
    f.startRss = atStart.rssMiB;
    const writes0 = await c.writes(metricsPort);
    const cpu0 = processStats(pid).cpuSeconds;
    const sandbox0 = sandboxCpu();
    const names = Array.from({ length: n }, (_, i) => `mc-${i}`);
    const started = Date.now();
    await pool(names, 32, async (name) => void (await c.create(name)));
    await until(() => c.allReady(), `${c.name}: ${n} instances Ready`);
    f.readyS = (Date.now() - started) / 1000;
    f.sandboxCpu = sandboxCpu() - sandbox0;
    f.convergeCpu = processStats(pid).cpuSeconds - cpu0;
    const writes1 = await c.writes(metricsPort);
    for (const verb of writeVerbs) f[`writes${verb}`] = (writes1[verb] - writes0[verb]) / n;
    f.writesPer = writeVerbs.reduce((sum, verb) => sum + f[`writes${verb}`]!, 0);
    f.peakRss = processStats(pid).peakRssMiB;

    const latencies: number[] = [];
    for (let i = 0; i < repairs; i++) {
      const path = `/api/v1/namespaces/${c.namespace}/services/${names[i % n]}`;
      const before = await client.request<KubeObject>("GET", path);
      const t0 = performance.now();
      await client.request("DELETE", path);
      await until(
        async () =>
          (await client.request<KubeObject>("GET", path).catch(() => undefined))?.metadata.uid !==
            before.metadata.uid &&
          (await client.request<KubeObject>("GET", path).catch(() => undefined)) !== undefined,
        `${c.name}: Service ${names[i % n]} recreated`,
        60_000,
      ).catch(() => undefined);
      latencies.push(performance.now() - t0);
    }
    f.repairP99 = percentile(latencies, 99);

    await sleep(5000);
    const idle0 = processStats(pid).cpuSeconds;
    await sleep(idleSeconds * 1000);
    const idle = processStats(pid);
    f.idleCpu = idle.cpuSeconds - idle0;
    f.idleRss = idle.rssMiB;
    f.idleAnon = idle.anonMiB;
    f.idleFile = idle.fileMiB;
    const heap = await c.heap(metricsPort);
    if (c === stackwarden)
      process.stderr.write(`${c.name}: V8 heap spaces after idle, ${await v8Spaces(metricsPort)}\n`);
    f.heapUsed = heap.used;
    f.heapReserved = heap.reserved;
    f.growthKiB = ((idle.rssMiB - f.startRss) * 1024) / n;
    f.peakRss = idle.peakRssMiB;

    const deleted = Date.now();
    await c.deleteAll();
    await until(
      async () => (await readyStatefulSets(c.namespace)) === 0 && (await childCount(c.namespace)) === 0,
      `${c.name}: children gone`,
    );
    f.deleteS = (Date.now() - deleted) / 1000;
    // Not timed: the controller removes its finalizers before it stops, or the namespace never goes.
    await until(async () => (await c.instancesLeft()) === 0, `${c.name}: instances gone`);
  } finally {
    if (c === kro)
      await client
        .request("DELETE", "/apis/kro.run/v1alpha1/resourcegraphdefinitions/minecraftjava.kro.run")
        .catch(() => undefined);
    child.kill("SIGTERM");
    await exited;
    await client.request("DELETE", `/api/v1/namespaces/${c.namespace}`).catch(() => undefined);
    await until(
      () =>
        client.request("GET", `/api/v1/namespaces/${c.namespace}`).then(
          () => false,
          (e: unknown) => e instanceof KubeApiError && e.status === 404,
        ),
      `${c.name}: namespace ${c.namespace} gone`,
    );
  }
  return f;
}

/** StatefulSets, Services, ConfigMaps (but the API server's own) and Secrets left in `namespace`. */
async function childCount(namespace: string): Promise<number> {
  let count = 0;
  for (const path of [
    "apis/apps/v1/namespaces/NS/statefulsets",
    "api/v1/namespaces/NS/services",
    "api/v1/namespaces/NS/secrets",
  ]) {
    count += (await client.request<{ items: unknown[] }>("LIST", `/${path.replace("NS", namespace)}`)).items
      .length;
  }
  const configMaps = await client.request<{ items: KubeObject[] }>(
    "LIST",
    `/api/v1/namespaces/${namespace}/configmaps`,
  );
  return count + configMaps.items.filter((o) => o.metadata.name !== "kube-root-ca.crt").length;
}

const contenders = { kro, stackwarden } as const;
const order = values.order.split(",");
if (order.length === 0 || new Set(order).size !== order.length || order.some((c) => !(c in contenders)))
  throw new Error(
    `--order: expected "kro,stackwarden", "stackwarden,kro", "kro" or "stackwarden", got "${values.order}"`,
  );
{
  const figures: Partial<Record<keyof typeof contenders, Figures>> = {};
  for (const name of order as Array<keyof typeof contenders>)
    figures[name] = await onCluster(name, () => measure(contenders[name]));
  const [k, s] = [figures.kro ?? {}, figures.stackwarden ?? {}];
  console.log(`\norder: ${order.join(" then ")}`);
  const rows: Array<[string, keyof Figures, (x: number) => string]> = [
    ["time to all Ready", "readyS", (x) => `${x.toFixed(1)} s`],
    ["writes per instance, instance + children", "writesPer", (x) => x.toFixed(1)],
    ...writeVerbs.map((verb): [string, string, (x: number) => string] => [
      `  of which ${verb}`,
      `writes${verb}`,
      (x) => x.toFixed(1),
    ]),
    ["sandbox CPU during convergence", "sandboxCpu", (x) => `${x.toFixed(1)} s`],
    ["drift repair p99", "repairP99", (x) => `${x.toFixed(0)} ms`],
    ["delete all, children gone", "deleteS", (x) => `${x.toFixed(1)} s`],
    ["controller peak RSS", "peakRss", (x) => `${mib(x)} MiB`],
    [`controller RSS after ${idleSeconds} s idle`, "idleRss", (x) => `${mib(x)} MiB`],
    ["  of which anonymous (heaps, stacks)", "idleAnon", (x) => `${mib(x)} MiB`],
    ["  of which mapped files (the binary, libraries)", "idleFile", (x) => `${mib(x)} MiB`],
    ["  language heap in use (V8's, Go's)", "heapUsed", (x) => `${mib(x)} MiB`],
    ["  language heap reserved", "heapReserved", (x) => `${mib(x)} MiB`],
    ["controller RSS at start-up (ready, no instance)", "startRss", (x) => `${mib(x)} MiB`],
    ["RSS growth per instance (after idle − start-up)", "growthKiB", (x) => `${x.toFixed(1)} KiB`],
    ["controller CPU, start-up", "startCpu", (x) => `${x.toFixed(2)} s`],
    ["controller CPU, converging", "convergeCpu", (x) => `${x.toFixed(2)} s`],
    [`controller CPU, ${idleSeconds} s idle`, "idleCpu", (x) => `${x.toFixed(2)} s`],
  ];
  console.log(`\n| N = ${n} | Stackwarden | kro | ratio |\n|---|---|---|---|`);
  for (const [label, key, format] of rows) {
    const [a, b] = [s[key], k[key]];
    const shown = (x: number | undefined): string => (x === undefined ? "—" : format(x));
    const ratio = a === undefined || b === undefined ? "—" : (a / b).toFixed(2);
    console.log(`| ${label} | ${shown(a)} | ${shown(b)} | ${ratio} |`);
  }
}
