/**
 * The manager on a real API server: a controller reconciles a custom
 * resource under leader election, periodic resyncs arrive, /readyz and
 * /metrics answer with controller-runtime's names, and shutdown drains and
 * releases the Lease.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { done } from "../engine/result.ts";
import { KubeClient } from "../kube/client.ts";
import { resourcePath } from "../kube/resource-type.ts";
import { patchStatus } from "../kube/status.ts";
import type { KubeObject } from "../api/object.ts";
import { eventually } from "../testing/eventually.ts";
import { useTestNamespace } from "../testing/cluster.ts";
import { installTestCrd } from "../testing/test-crd.ts";
import { Manager } from "./manager.ts";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { createLogger } from "../observability/logger.ts";

// Spans go to memory, so the test can see that each reconcile is a span with its API requests inside.
const spans = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
);

const ns = await useTestNamespace("manager");
const client = new KubeClient(ns.kc);
const echoes = await installTestCrd(client, {
  group: "manager.test.stackwarden.dev",
  kind: "Echo",
  plural: "echoes",
});
after(() => client.close());

type Echo = KubeObject & { spec: { message: string }; status?: { echo?: string } };

describe("Manager", () => {
  it("runs a controller while leading, resyncs, serves health and metrics, and releases its Lease", async () => {
    const manager = new Manager({
      kubeconfig: ns.kc,
      leaseNamespace: ns.namespace,
      leaseName: "echo-operator",
      healthPort: 0,
      resyncPeriodMs: 1500,
      logger: createLogger({ level: "warn" }),
    });
    manager.types.register(echoes);
    const cache = manager.reflector<Echo>(echoes, { namespace: ns.namespace });
    let reconciles = 0;
    manager.addController(cache, {
      name: "echo",
      reconciler: {
        reconcile: async (key) => {
          reconciles++;
          const echo = cache.store.get(key);
          if (!echo) return done;
          await patchStatus<{ echo?: string }>({
            client: manager.client,
            type: echoes,
            namespace: echo.metadata.namespace,
            name: echo.metadata.name,
            current: echo,
            transactions: [(s) => void (s.echo = echo.spec.message)],
            written: (o) => cache.store.recordWrite(o as Echo),
          });
          return done;
        },
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);

    await client.request("POST", resourcePath(echoes, ns.namespace), {
      body: {
        apiVersion: "manager.test.stackwarden.dev/v1",
        kind: "Echo",
        metadata: { name: "hello" },
        spec: { message: "hi" },
      },
    });
    await eventually("the echo in status", async () => {
      const echo = await client.request<Echo>("GET", resourcePath(echoes, ns.namespace, "hello"));
      return echo.status?.echo === "hi" ? echo : undefined;
    });
    assert.equal(manager.isLeader, true);

    const seen = reconciles;
    await eventually("a periodic resync", () => (reconciles > seen ? true : undefined), {
      timeoutMs: 10_000,
    });

    const base = `http://127.0.0.1:${manager.healthPort}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/ready`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /controller_runtime_reconcile_total\{controller="echo",result="success"\} [1-9]/);
    assert.match(metrics, /workqueue_adds_total\{name="echo"\} [1-9]/);
    assert.match(
      metrics,
      /stackwarden_reflector_objects\{resource="echoes.manager.test.stackwarden.dev"\} 1/,
    );
    assert.match(metrics, /stackwarden_reflector_last_event_age_seconds/);

    const finished = spans.getFinishedSpans();
    const reconcile = finished.find(
      (s) => s.name === "reconcile echo" && s.attributes["stackwarden.resource.name"] === "hello",
    );
    assert.ok(reconcile, `a reconcile span among ${finished.map((s) => s.name).join(", ")}`);
    assert.equal(reconcile.attributes["stackwarden.controller"], "echo");
    const children = finished.filter((s) => s.parentSpanContext?.spanId === reconcile.spanContext().spanId);
    assert.ok(
      children.some((s) => s.name === "kube PATCH"),
      `the status write is a child span: ${children.map((s) => s.name).join(", ")}`,
    );

    stop.abort();
    await running;
    const lease = await client.request<{ spec: { holderIdentity?: string } }>(
      "GET",
      `/apis/coordination.k8s.io/v1/namespaces/${ns.namespace}/leases/echo-operator`,
    );
    assert.ok(!lease.spec.holderIdentity, `the Lease was released (holder ${lease.spec.holderIdentity})`);
    await assert.rejects(fetch(`${base}/healthz`), "the health server is closed");
  });
});

describe("Manager's afterBurst and afterReconcile", () => {
  it("are called once per burst after its last reconcile, and after every reconcile", async () => {
    const reconciled = new Set<string>();
    let reconciles = 0;
    // How many reconciles had run each time afterReconcile was called.
    const afterEach: number[] = [];
    // How many objects had been reconciled when each burst's end was reported.
    const bursts: number[] = [];
    const manager = new Manager({
      kubeconfig: ns.kc,
      leaseNamespace: ns.namespace,
      leaseName: "burst-operator",
      leaderElection: false,
      logger: createLogger({ level: "warn" }),
      afterBurst: () => void bursts.push(reconciled.size),
      afterBurstQuietMs: 200,
      afterReconcile: () => void afterEach.push(reconciles),
    });
    manager.types.register(echoes);
    const cache = manager.reflector<Echo>(echoes, { namespace: ns.namespace, labelSelector: "burst=yes" });
    manager.addController(cache, {
      name: "burst",
      reconciler: { reconcile: (key) => (reconciles++, reconciled.add(key), Promise.resolve(done)) },
    });
    const stop = new AbortController();
    after(() => stop.abort());
    const running = manager.run(stop.signal);
    await eventually("the manager's caches", () => (manager.ready ? true : undefined));
    assert.deepEqual(bursts, [], "no reconcile yet, so no burst");
    assert.deepEqual(afterEach, [], "no reconcile yet");

    const create = (name: string): Promise<unknown> =>
      client.request("POST", resourcePath(echoes, ns.namespace), {
        body: {
          apiVersion: "manager.test.stackwarden.dev/v1",
          kind: "Echo",
          metadata: { name, labels: { burst: "yes" } },
          spec: { message: name },
        },
      });
    await Promise.all(["b1", "b2", "b3"].map(create));
    // Under load the three may come more than the quiet period apart: one burst or more, the last
    // reported after all three.
    await eventually("three reconciles, then the end of their burst", () =>
      bursts.at(-1) === 3 ? true : undefined,
    );
    const before = bursts.length;
    await create("b4");
    await eventually("one reconcile, then one more burst's end", () =>
      bursts.length > before ? true : undefined,
    );
    assert.deepEqual(bursts.slice(before), [4]);
    // One worker: each reconcile is followed by its own call, before the next reconcile starts.
    assert.deepEqual(
      afterEach,
      Array.from({ length: reconciles }, (_, i) => i + 1),
    );
    stop.abort();
    await running;
  });
});

describe("a leader whose caches cannot sync", () => {
  it("gives up the Lease and rejects, naming the cache, instead of leading while doing nothing", async () => {
    const missing = { ...echoes, group: "absent.test.stackwarden.dev", plural: "absents", kind: "Absent" };
    const manager = new Manager({
      kubeconfig: ns.kc,
      leaseNamespace: ns.namespace,
      leaseName: "zombie-operator",
      cacheSyncTimeoutMs: 1000,
      logger: createLogger({ level: "silent" }),
    });
    manager.types.register(missing);
    const cache = manager.reflector(missing, { namespace: ns.namespace });
    manager.addController(cache, { name: "absent", reconciler: { reconcile: () => Promise.resolve(done) } });
    const stop = new AbortController();
    after(() => stop.abort());
    await assert.rejects(
      manager.run(stop.signal),
      /caches not synced within 1 s: absents\.absent\.test\.stackwarden\.dev/,
    );
    assert.equal(manager.isLeader, false);
    const lease = await client.request<{ spec: { holderIdentity?: string; leaseTransitions?: number } }>(
      "GET",
      `/apis/coordination.k8s.io/v1/namespaces/${ns.namespace}/leases/zombie-operator`,
    );
    assert.ok(!lease.spec.holderIdentity, `the Lease was given up (holder ${lease.spec.holderIdentity})`);
  });
});

describe("Manager with several namespaces", () => {
  it("treats every watched namespace alike: the same resync, and its own status writes requeue nothing", async () => {
    const other = await useTestNamespace("manager-b");
    const manager = new Manager({
      kubeconfig: ns.kc,
      leaseNamespace: ns.namespace,
      leaderElection: false,
      resyncPeriodMs: 1000,
      logger: createLogger({ level: "warn" }),
    });
    manager.types.register(echoes);
    const caches = [ns.namespace, other.namespace].map((namespace) =>
      manager.reflector<Echo>(echoes, { namespace }),
    );
    const reconciles = new Map<string, number>();
    manager.addController(caches, {
      name: "echo-namespaces",
      reconciler: {
        reconcile: async (key) => {
          const n = (reconciles.get(key) ?? 0) + 1;
          reconciles.set(key, n);
          const cache = caches.find((c) => c.store.get(key));
          const echo = cache?.store.get(key);
          if (!cache || !echo) return done;
          // Every reconcile changes the status: were a status write to requeue, this would loop.
          await patchStatus<{ echo?: string }>({
            client: manager.client,
            type: echoes,
            namespace: echo.metadata.namespace,
            name: echo.metadata.name,
            current: echo,
            transactions: [(s) => void (s.echo = `${echo.spec.message} #${n}`)],
            written: (o) => cache.store.recordWrite(o as Echo),
          });
          return done;
        },
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    for (const namespace of [ns.namespace, other.namespace]) {
      await client.request("POST", resourcePath(echoes, namespace), {
        body: {
          apiVersion: "manager.test.stackwarden.dev/v1",
          kind: "Echo",
          metadata: { name: "everywhere" },
          spec: { message: "hi" },
        },
      });
    }
    const a = `${ns.namespace}/everywhere`;
    const b = `${other.namespace}/everywhere`;
    await eventually(
      "five resyncs of the first namespace's object",
      () => ((reconciles.get(a) ?? 0) >= 5 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const counts = [reconciles.get(a) ?? 0, reconciles.get(b) ?? 0];
    stop.abort();
    await running;
    assert.ok(counts[1]! >= 3, `the second namespace's object is resynced too (${counts[1]} reconciles)`);
    assert.ok(
      counts[1]! <= counts[0]! + 2,
      `its status writes do not requeue it (${counts[1]} reconciles against ${counts[0]})`,
    );
  });
});
