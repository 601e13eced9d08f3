/**
 * The reflector against a real API server: paginated lists, label-selected
 * watches, cut connections, silent streams and expired resource versions.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { KubeClient } from "./client.ts";
import { Reflector, type ReflectorEvent } from "./reflector.ts";
import { reflectorMetrics } from "./reflector-metrics.ts";
import { ResourceTypes } from "./resource-type.ts";
import type { KubeObject } from "../api/object.ts";
import { eventually } from "../testing/eventually.ts";
import { kubeConfigVia, useTestNamespace } from "../testing/cluster.ts";
import { TcpProxy } from "../testing/tcp-proxy.ts";

const ns = await useTestNamespace("reflector");
const direct = new KubeClient(ns.kc);
const configMaps = new ResourceTypes().known("v1", "ConfigMap")!;
const base = `/api/v1/namespaces/${ns.namespace}/configmaps`;
const stop = new AbortController();
const proxies: TcpProxy[] = [];

after(async () => {
  stop.abort();
  for (const p of proxies) await p.close();
  direct.close();
});

const createConfigMap = (
  name: string,
  labels: Record<string, string>,
  data: Record<string, string> = {},
): Promise<KubeObject> => direct.request("POST", base, { body: { metadata: { name, labels }, data } });

function startReflector(options: {
  client?: KubeClient;
  labelSelector?: string;
  pageSize?: number;
  watchdogMs?: number;
  registry?: Registry;
}): { reflector: Reflector; events: Array<ReflectorEvent<KubeObject>> } {
  const reflector = new Reflector({
    client: options.client ?? direct,
    type: configMaps,
    namespace: ns.namespace,
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.watchdogMs ? { watchdogMs: options.watchdogMs } : {}),
    ...(options.registry ? { metrics: reflectorMetrics(options.registry) } : {}),
  });
  const events: Array<ReflectorEvent<KubeObject>> = [];
  reflector.on((e) => events.push(e));
  void reflector.run(stop.signal);
  return { reflector, events };
}

const has = (r: Reflector, name: string): boolean => r.store.get(`${ns.namespace}/${name}`) !== undefined;

/** A reflector whose API connections go through a fresh TcpProxy, synced and watching. */
async function proxiedReflector(
  labelSelector: string,
  watchdogMs?: number,
): Promise<{ proxy: TcpProxy; reflector: Reflector; registry: Registry }> {
  const proxy = await TcpProxy.start("127.0.0.1", Number(new URL(direct.server).port));
  proxies.push(proxy);
  const registry = new Registry();
  const { reflector } = startReflector({
    client: new KubeClient(kubeConfigVia(ns.kc, proxy.port)),
    labelSelector,
    registry,
    ...(watchdogMs ? { watchdogMs } : {}),
  });
  await reflector.waitForSync();
  await eventually("the watch to connect", () => (proxy.connections > 0 ? true : undefined));
  return { proxy, reflector, registry };
}

describe("Reflector", () => {
  it("lists in pages and caches only what its label selector matches", async () => {
    for (let i = 0; i < 5; i++) await createConfigMap(`paged-${i}`, { suite: "paged" });
    await createConfigMap("other", { suite: "other" });
    const counting = new KubeClient(ns.kc);
    const { reflector } = startReflector({ client: counting, labelSelector: "suite=paged", pageSize: 2 });
    await reflector.waitForSync();
    assert.equal(reflector.store.size, 5);
    assert.equal(counting.requestCounts.get("LIST"), 3, "5 objects in pages of 2");
    assert.equal(has(reflector, "other"), false);
  });

  it("turns watch events into added, modified and deleted", async () => {
    const { reflector, events } = startReflector({ labelSelector: "suite=events" });
    await reflector.waitForSync();
    await createConfigMap("ev", { suite: "events" }, { v: "1" });
    await eventually("added", () => (has(reflector, "ev") ? true : undefined));
    await direct.request("PATCH", `${base}/ev`, {
      body: { data: { v: "2" } },
      contentType: "application/merge-patch+json",
    });
    await eventually("modified", () => (events.some((e) => e.type === "modified") ? true : undefined));
    await direct.request("DELETE", `${base}/ev`);
    await eventually("deleted", () => (has(reflector, "ev") ? undefined : true));
    assert.deepEqual(
      events.map((e) => e.type),
      ["added", "modified", "deleted"],
    );
  });

  it("resumes after its connection is cut and misses no change made meanwhile", async () => {
    const { proxy, reflector, registry } = await proxiedReflector("suite=cut");
    proxy.cutAll();
    await createConfigMap("made-while-cut", { suite: "cut" });
    await eventually("the change made while cut", () =>
      has(reflector, "made-while-cut") ? true : undefined,
    );
    const reconnects = await registry.getSingleMetricAsString("stackwarden_reflector_errors_total");
    assert.match(reconnects, /class="transient"/);
  });

  it("restarts a watch that goes silent without closing", async () => {
    const { proxy, reflector, registry } = await proxiedReflector("suite=silent", 1500);
    proxy.freezeAll();
    await createConfigMap("made-while-frozen", { suite: "silent" });
    await eventually("the change behind the frozen stream", () =>
      has(reflector, "made-while-frozen") ? true : undefined,
    );
    const restarts = await registry.getSingleMetricAsString("stackwarden_reflector_watchdog_restarts_total");
    assert.match(restarts, /stackwarden_reflector_watchdog_restarts_total\{resource="configmaps"\} [1-9]/);
  });

  it("lists again when the API server has moved past its resourceVersion (410 Gone)", async () => {
    // The API server's watch cache keeps events younger than 75 s and grows while they are fresh;
    // once an event is older than that, enough newer ones push it out and a watch from it gets 410.
    // No fixed wait for the 75 s: keep churning and try the watch until it is refused.
    const old = (await createConfigMap("stale", { suite: "expired" })).metadata.resourceVersion!;
    await createConfigMap("churn", { suite: "churn" });
    const reflector = new Reflector({
      client: direct,
      type: configMaps,
      namespace: ns.namespace,
      labelSelector: "suite=expired",
      timeoutSeconds: () => 2,
    });
    let updates = 0;
    const next = await eventually(
      "a watch from an expired resourceVersion to be refused",
      async () => {
        for (let i = 0; i < 50; i++, updates++) {
          await direct.request("PATCH", `${base}/churn`, {
            body: { data: { n: String(updates) } },
            contentType: "application/merge-patch+json",
          });
        }
        const state = await reflector.step({ phase: "watching", resourceVersion: old }, stop.signal);
        return state.phase === "listing" ? state : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 0 },
    );
    assert.deepEqual(next, { phase: "listing" });
    const watching = await reflector.step(next, stop.signal);
    assert.equal(watching.phase, "watching");
    assert.deepEqual(
      reflector.store.list().map((o) => o.metadata.name),
      ["stale"],
    );
  });
});
