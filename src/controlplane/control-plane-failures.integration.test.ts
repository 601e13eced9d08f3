/**
 * The control plane's failure modes against the sandbox with a real
 * operator: a restart loses track of nothing, the Kubernetes API away defers
 * reconciles (one ReconcileDeferred per outage) and they recover, and with
 * its PostgreSQL stopped the reconciler changes nothing in the cluster.
 */
import assert from "node:assert/strict";
import { createServer, connect, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import type { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { stackResourceType, type Stack } from "../api/stack.ts";
import { KubeClient } from "../kube/client.ts";
import { resourcePath } from "../kube/resource-type.ts";
import type { KubeObject } from "../api/object.ts";
import { createLogger } from "../observability/logger.ts";
import { stackBinding } from "../operator/stack/stack-controller.ts";
import { describeNamespace, kubeConfigVia, useTestNamespace } from "../testing/cluster.ts";
import { storeBackends } from "../testing/databases.ts";
import { eventually } from "../testing/eventually.ts";
import { stackConverged, stackEvents as events } from "../testing/control-plane.ts";
import { startKindOperator } from "../testing/kind-operator.ts";
import { startPostgresServer } from "../testing/postgres-server.ts";
import { startControlPlane } from "./control-plane.ts";
import { builtinTemplateRecords } from "./guardrails.ts";
import type { StackRecord } from "./store/records.ts";
import { openStore, type Store } from "./store/store.ts";

const ns = await useTestNamespace("cp-failures");
await startKindOperator(ns, [stackBinding]);
const client = new KubeClient(ns.kc);
after(() => client.close());
const template = builtinTemplateRecords().find((t) => t.name === "minecraft-java");
assert.ok(template);
const explain = { timeoutMs: 90_000, explain: () => describeNamespace(ns.kc, ns.namespace) };

interface Running {
  readonly registry: Registry;
  stop(): Promise<void>;
}

async function controlPlane(store: Store, kubeconfig: KubeConfig = ns.kc): Promise<Running> {
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  const registry = new Registry();
  const stop = new AbortController();
  const cp = await startControlPlane(
    { store, kubeconfig, resyncMs: 3_000, registry, logger: createLogger({ level: "silent" }) },
    stop.signal,
  );
  const halt = async (): Promise<void> => {
    stop.abort();
    await cp.done;
  };
  after(halt);
  return { registry, stop: halt };
}

async function createStack(store: Store, name: string): Promise<StackRecord> {
  const { stack } = await store.stacks.create(
    {
      template: "minecraft-java",
      templateVersion: template!.version,
      cluster: "local",
      namespace: ns.namespace,
      name,
      params: { eula: true, memory: "1G" },
      drift: { policy: "enforce", ignore: [] },
    },
    "alice",
  );
  return stack;
}

const stackPath = (name?: string): string => resourcePath(stackResourceType, ns.namespace, name);
const readStack = (name: string): Promise<Stack> => client.request<Stack>("GET", stackPath(name));
const paramsOf = (s: Stack): Record<string, unknown> => s.spec.params ?? {};
const configMapPath = (name: string): string => `/api/v1/namespaces/${ns.namespace}/configmaps/${name}`;

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Waits until the stack reconciler has failed `n` more times than it had. */
async function failsMore(registry: Registry, n: number): Promise<void> {
  const labels = { controller: "controlplane_stack" };
  const start = await metric(registry, "controller_runtime_reconcile_errors_total", labels);
  await eventually(
    `${n} more failed reconciles`,
    async () =>
      (await metric(registry, "controller_runtime_reconcile_errors_total", labels)) >= start + n
        ? true
        : undefined,
    { timeoutMs: 120_000 },
  );
}

/** A loopback TCP proxy that can refuse (reset) every connection, and later forward again. */
class SwitchableProxy {
  readonly #server: Server;
  readonly #open = new Set<Socket>();
  up = true;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: URL): Promise<SwitchableProxy> {
    const proxy: SwitchableProxy = new SwitchableProxy(
      createServer((socket) => {
        if (!proxy.up) return void socket.resetAndDestroy();
        const upstream = connect(Number(target.port), target.hostname);
        proxy.#open.add(socket);
        socket.pipe(upstream).pipe(socket);
        const close = (): void => {
          socket.destroy();
          upstream.destroy();
          proxy.#open.delete(socket);
        };
        socket.on("error", close).on("close", close);
        upstream.on("error", close).on("close", close);
      }),
    );
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    const a = this.#server.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  /** Resets every connection, and every new one until {@link restore}. */
  cut(): void {
    this.up = false;
    for (const s of this.#open) s.resetAndDestroy();
    this.#open.clear();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe("control plane failure modes", () => {
  it("a restart loses track of nothing: objects are found again by labels and UIDs, no duplicate Stack", async () => {
    const store = await storeBackends[0]!.open();
    const first = await controlPlane(store);
    const created = await createStack(store, "restart");
    await stackConverged(store, created.id, explain);
    const cm = (await store.observed.resources(created.id)).find((r) => r.kind === "ConfigMap");
    assert.ok(cm);
    await first.stop();

    // While no control plane runs: a managed object is deleted (the operator recreates it) and the desired state changes.
    await client.request("DELETE", configMapPath(cm.name));
    await eventually("the operator to recreate the ConfigMap", async () => {
      const now = await client.request<KubeObject>("GET", configMapPath(cm.name));
      return now.metadata.uid !== cm.uid ? now : undefined;
    });
    await store.stacks.change(created.id, {
      actor: "alice",
      source: "user",
      type: "DesiredChanged",
      params: { ...created.params, maxPlayers: 12 },
    });

    await controlPlane(store);
    const deleted = await eventually(
      "the old ConfigMap UID recorded as deleted externally",
      async () =>
        (await events(store, created.id, "ResourceDeletedExternally")).find((e) => e.data["uid"] === cm.uid),
      explain,
    );
    assert.equal(deleted.data["kind"], "ConfigMap");
    const stack = await stackConverged(store, created.id, explain);
    assert.equal(stack.generation, 2);
    assert.equal(paramsOf(await readStack("restart"))["maxPlayers"], 12);
    const live = await client.request<KubeObject>("GET", configMapPath(cm.name));
    const rows = await store.observed.resources(created.id);
    assert.ok(rows.some((r) => r.kind === "ConfigMap" && r.uid === live.metadata.uid));
    const keys = rows.map((r) => `${r.kind}/${r.name}`);
    assert.equal(new Set(keys).size, keys.length, `one live row per object: ${keys.join(", ")}`);
    const list = await client.request<{ items: Stack[] }>("LIST", stackPath(), {
      query: { labelSelector: `stackwarden.dev/stack-id=${created.id}` },
    });
    assert.equal(list.items.length, 1, "no duplicate Stack");
  });

  it("defers reconciles with one ReconcileDeferred while the Kubernetes API is unreachable, and recovers", async () => {
    const store = await storeBackends[0]!.open();
    const server = new URL(client.server);
    const proxy = await SwitchableProxy.start(server);
    after(() => proxy.close());
    const cp = await controlPlane(store, kubeConfigVia(ns.kc, proxy.port));
    const created = await createStack(store, "deferred");
    await stackConverged(store, created.id, explain);

    proxy.cut();
    await store.stacks.change(created.id, {
      actor: "alice",
      source: "user",
      type: "DesiredChanged",
      params: { ...created.params, maxPlayers: 7 },
    });
    await eventually(
      "ReconcileDeferred",
      async () => (await events(store, created.id, "ReconcileDeferred"))[0],
    );
    await failsMore(cp.registry, 3);
    assert.equal((await events(store, created.id, "ReconcileDeferred")).length, 1, "once per outage");
    assert.equal(paramsOf(await readStack("deferred"))["maxPlayers"], 20, "nothing reached the cluster");

    proxy.restore();
    const stack = await stackConverged(store, created.id, explain);
    assert.equal(stack.generation, 2);
    assert.equal(paramsOf(await readStack("deferred"))["maxPlayers"], 7);
  });

  it("makes no change to the cluster while its PostgreSQL is stopped, and converges when it is back", async () => {
    const pg = await startPostgresServer();
    after(() => pg.destroy());
    const store = await openStore({ url: await pg.createDatabase("cp_outage") });
    after(() => store.close());
    const cp = await controlPlane(store);
    const created = await createStack(store, "db-outage");
    await stackConverged(store, created.id, explain);

    pg.stop();
    // An out-of-band edit the reconciler would revert, had it its database.
    await client.request("PATCH", stackPath("db-outage"), {
      query: { fieldManager: "kubectl-patch" },
      body: { spec: { params: { maxPlayers: 55 } } },
      contentType: "application/merge-patch+json",
    });
    await failsMore(cp.registry, 2);
    assert.equal(
      paramsOf(await readStack("db-outage"))["maxPlayers"],
      55,
      "not reverted without the database",
    );

    pg.start();
    await eventually(
      "the edit reverted once the database is back",
      async () => (paramsOf(await readStack("db-outage"))["maxPlayers"] === 20 ? true : undefined),
      explain,
    );
    const recorded = (await events(store, created.id, "ResourceModifiedExternally")).find(
      (e) => e.data["kind"] === "Stack",
    );
    assert.equal(recorded?.actor, "kubectl-patch");
  });
});
