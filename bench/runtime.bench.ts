/**
 * Runtime benchmark: prints plain figures, asserts nothing.
 *
 *   npm run bench:runtime -- --objects 10000 --queue-keys 100000
 *
 * 1. Reflector: memory and CPU to list and cache N ConfigMaps (labelled, ~200 B of data each).
 * 2. Work queue: reconciles per second through a Controller with a no-op reconciler.
 * 3. Resync cost: requests sent per converged object when N objects are applied again.
 */
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { Controller } from "../src/engine/controller.ts";
import { done } from "../src/engine/result.ts";
import { TokenBucket } from "../src/engine/token-bucket.ts";
import { applyInWaves } from "../src/kube/apply.ts";
import { KubeClient } from "../src/kube/client.ts";
import { Reflector } from "../src/kube/reflector.ts";
import { ResourceTypes } from "../src/kube/resource-type.ts";
import type { KubeObject } from "../src/api/object.ts";
import { benchCluster } from "./bench-cluster.ts";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "10000" },
    "queue-keys": { type: "string", default: "100000" },
    "resync-objects": { type: "string", default: "2000" },
  },
});
const n = Number(values.objects);
const queueKeys = Number(values["queue-keys"]);
const resyncObjects = Number(values["resync-objects"]);
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const cluster = await benchCluster();
const kc = new KubeConfig();
kc.loadFromFile(cluster.sandbox.kubeconfig);
const client = new KubeClient(kc);
const types = new ResourceTypes();
const configMaps = types.known("v1", "ConfigMap")!;
const stop = new AbortController();

try {
  await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: "bench" } } });
  const configMap = (i: number, prefix: string): KubeObject =>
    ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `${prefix}-${i}`, namespace: "bench", labels: { bench: prefix } },
      data: { payload: "x".repeat(200), index: String(i) },
    }) as KubeObject;

  // 1. Reflector memory and CPU.
  let created = 0;
  const createStarted = Date.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (created < n) {
        const i = created++;
        await client.request("POST", "/api/v1/namespaces/bench/configmaps", { body: configMap(i, "cache") });
      }
    }),
  );
  console.log(`created ${n} ConfigMaps in ${((Date.now() - createStarted) / 1000).toFixed(1)} s`);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const syncStarted = Date.now();
  const reflector = new Reflector({
    client,
    type: configMaps,
    namespace: "bench",
    labelSelector: "bench=cache",
  });
  void reflector.run(stop.signal);
  await reflector.waitForSync();
  const syncMs = Date.now() - syncStarted;
  const cpu = process.cpuUsage(cpuBefore);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(
    `reflector: ${reflector.store.size} objects cached in ${(syncMs / 1000).toFixed(2)} s; ` +
      `CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; heap +${mib(heapAfter - heapBefore)} MiB ` +
      `(${((heapAfter - heapBefore) / reflector.store.size / 1024).toFixed(2)} KiB/object); ` +
      `rss +${mib(process.memoryUsage().rss - rssBefore)} MiB`,
  );
  const idleCpu = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 10_000));
  const idle = process.cpuUsage(idleCpu);
  console.log(
    `reflector idle CPU over 10 s with ${reflector.store.size} objects: ${((idle.user + idle.system) / 1000).toFixed(0)} ms`,
  );

  // 2. Work queue throughput.
  let reconciles = 0;
  const controller = new Controller<string>({
    name: "bench",
    registry: new Registry(),
    maxConcurrentReconciles: 4,
    rateLimiter: new TokenBucket({ ratePerSecond: 1e9, burst: 1e9 }),
    reconciler: {
      reconcile: () => {
        reconciles++;
        return Promise.resolve(done);
      },
    },
  });
  controller.start();
  const queueStarted = performance.now();
  for (let i = 0; i < queueKeys; i++) controller.queue.add(`ns/key-${i}`);
  while (reconciles < queueKeys) await new Promise((r) => setImmediate(r));
  const queueSeconds = (performance.now() - queueStarted) / 1000;
  await controller.stop();
  console.log(
    `work queue: ${queueKeys} keys reconciled in ${queueSeconds.toFixed(2)} s = ${Math.round(queueKeys / queueSeconds)} reconciles/s (no-op reconciler, 4 workers)`,
  );

  // 3. Requests per converged object on resync.
  const resyncReflector = new Reflector({
    client,
    type: configMaps,
    namespace: "bench",
    labelSelector: "bench=resync",
  });
  void resyncReflector.run(stop.signal);
  await resyncReflector.waitForSync();
  const live = {
    get: (_t: unknown, ns: string | undefined, name: string) => resyncReflector.store.get(`${ns}/${name}`),
    written: (_t: unknown, o: KubeObject) => resyncReflector.store.recordWrite(o),
  };
  const desired = Array.from({ length: resyncObjects }, (_, i) => configMap(i, "resync"));
  const total = (): number => [...client.requestCounts.values()].reduce((a, b) => a + b, 0);
  const firstStarted = Date.now();
  const beforeFirst = total();
  await applyInWaves({ client, types, live }, desired);
  console.log(
    `first apply: ${resyncObjects} objects, ${total() - beforeFirst} requests, ${((Date.now() - firstStarted) / 1000).toFixed(1)} s`,
  );
  while (resyncReflector.store.size < resyncObjects) await new Promise((r) => setTimeout(r, 100));
  const beforeResync = total();
  const resyncStarted = performance.now();
  await applyInWaves({ client, types, live }, desired);
  const requests = total() - beforeResync;
  console.log(
    `converged resync: ${resyncObjects} objects, ${requests} requests = ${(requests / resyncObjects).toFixed(3)} requests/object (goal 0), ` +
      `${(performance.now() - resyncStarted).toFixed(0)} ms`,
  );
} finally {
  stop.abort();
  client.close();
  await cluster.done();
}
