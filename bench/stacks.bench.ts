/**
 * Stack operator benchmark: prints figures, asserts nothing.
 *
 *   npm run bench:stacks -- --stacks 200 --repairs 50
 *
 * 1. N minecraft-java stacks created at once: time until all are Ready and API requests the operator
 *    sent, beside the floor — the same rendered objects applied by a plain server-side-apply loop at
 *    the same concurrency (4, the operator's maxConcurrentReconciles), until their StatefulSets are ready.
 * 2. Drift repair latency: a stack's Service deleted, time until it exists again (p50, p99). This is
 *    the figure `stack.integration.test.ts` used to assert (< 2 s); tests assert no timings.
 * 3. Writes during a resync of converged stacks.
 */
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { stackResourceType, type Stack } from "../src/api/stack.ts";
import { KubeClient } from "../src/kube/client.ts";
import { resourcePath } from "../src/kube/resource-type.ts";
import type { KubeObject } from "../src/api/object.ts";
import { render } from "../src/resources/render.ts";
import { findTemplate } from "../src/templates/registry.ts";
import { validate } from "../src/api/validate.ts";
import { startOperator } from "../src/cli/operator.ts";
import { benchCluster } from "./bench-cluster.ts";

const { values } = parseArgs({
  options: { stacks: { type: "string", default: "200" }, repairs: { type: "string", default: "50" } },
});
const n = Number(values.stacks);
const repairs = Number(values.repairs);
const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const total = (c: KubeClient, verbs?: string[]): number =>
  [...c.requestCounts.entries()].filter(([v]) => !verbs || verbs.includes(v)).reduce((a, [, b]) => a + b, 0);
async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const cluster = await benchCluster();
const kc = new KubeConfig();
kc.loadFromFile(cluster.sandbox.kubeconfig);
const client = new KubeClient(kc);
const stop = new AbortController();
try {
  for (const name of ["stacks", "floor"])
    await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name } } });
  const { manager, done } = await startOperator(
    {
      kubeconfig: kc,
      namespaces: ["stacks"],
      installCrds: true,
      leaderElect: false,
      leaseNamespace: "stacks",
      metricsBindAddress: "0",
      healthProbeBindAddress: "0",
      logLevel: "error",
      resyncPeriodMs: 20_000,
    },
    stop.signal,
  );
  const params = { eula: true, memory: "1G" };
  const names = Array.from({ length: n }, (_, i) => `mc-${i}`);

  // 1. Operator: create all at once, wait for all Ready.
  const started = Date.now();
  await pool(names, 32, async (name) => {
    await client.request("POST", resourcePath(stackResourceType, "stacks"), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name },
        spec: { template: "minecraft-java", params },
      },
    });
  });
  for (;;) {
    const list = await client.request<{ items: Stack[] }>("LIST", resourcePath(stackResourceType, "stacks"));
    if (list.items.filter((s) => s.status?.phase === "Ready").length === n) break;
    await sleep(250);
  }
  const operatorMs = Date.now() - started;
  const operatorRequests = total(manager.client);
  const operatorWrites = total(manager.client, ["POST", "PATCH", "PUT", "DELETE"]);

  // The floor: the same rendered objects, plain server-side apply, same concurrency, until ready.
  const template = findTemplate("minecraft-java")!;
  const checked = validate(template.params, params);
  if (!checked.ok) throw new Error("invalid params");
  const floorClient = new KubeClient(kc);
  const floorStarted = Date.now();
  await pool(names, 4, async (name) => {
    const rendered = render(
      template,
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        name,
        namespace: "floor",
        uid: "00000000-0000-0000-0000-000000000000",
        generation: 1,
      },
      checked.value as Record<string, unknown>,
    );
    for (const component of rendered.components) {
      for (const o of component.objects) {
        const object = { ...o, metadata: { ...o.metadata, ownerReferences: [] } } as KubeObject;
        const type = await manager.types.resolve(floorClient, object.apiVersion ?? "", object.kind ?? "");
        await floorClient.request("PATCH", resourcePath(type, "floor", object.metadata.name), {
          query: { fieldManager: "floor", force: true },
          body: object,
          contentType: "application/apply-patch+yaml",
        });
      }
    }
    await floorClient.request("POST", "/api/v1/namespaces/floor/secrets", {
      body: { metadata: { name: `${name}-rcon` }, data: { "rcon-password": "eHh4eA==" } },
    });
  });
  for (;;) {
    const list = await floorClient.request<{ items: Array<{ status?: { readyReplicas?: number } }> }>(
      "LIST",
      "/apis/apps/v1/namespaces/floor/statefulsets",
    );
    if (list.items.filter((s) => s.status?.readyReplicas === 1).length === n) break;
    await sleep(250);
  }
  const floorMs = Date.now() - floorStarted;
  const floorRequests = total(floorClient);
  console.log(
    `${n} stacks to Ready: operator ${seconds(operatorMs)} s, ${operatorRequests} requests (${operatorWrites} writes, ${(operatorRequests / n).toFixed(1)}/stack)`,
  );
  console.log(
    `floor (plain SSA loop, concurrency 4, then wait for ready): ${seconds(floorMs)} s, ${floorRequests} requests`,
  );
  console.log(
    `operator / floor: ${(operatorMs / floorMs).toFixed(2)}× time (aim ≤ 1.3×), ${(operatorRequests / floorRequests).toFixed(2)}× requests`,
  );

  // 2. Drift repair latency.
  const latencies: number[] = [];
  for (let i = 0; i < repairs; i++) {
    const name = names[i % n]!;
    const path = `/api/v1/namespaces/stacks/services/${name}`;
    const before = await client.request<KubeObject>("GET", path);
    const t0 = performance.now();
    await client.request("DELETE", path);
    for (;;) {
      const now = await client.request<KubeObject>("GET", path).catch(() => undefined);
      if (now && now.metadata.uid !== before.metadata.uid) break;
      await sleep(5);
    }
    latencies.push(performance.now() - t0);
  }
  console.log(
    `drift repair (Service deleted → recreated), ${repairs} runs: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms (aim p99 < 1000 ms)`,
  );

  // 3. Writes during a resync of converged stacks.
  await sleep(5000);
  const writesBefore = total(manager.client, ["POST", "PATCH", "PUT", "DELETE"]);
  const requestsBefore = total(manager.client);
  await sleep(25_000);
  console.log(
    `resync of ${n} converged stacks (one 20 s resync period): ${total(manager.client, ["POST", "PATCH", "PUT", "DELETE"]) - writesBefore} writes, ${total(manager.client) - requestsBefore} requests (aim 0 writes)`,
  );
  stop.abort();
  await done;
} finally {
  stop.abort();
  client.close();
  await cluster.done();
}
