/**
 * The control plane's workers: the DB → cluster reconciler and the cluster →
 * DB observers, over the store and one or more clusters. See
 * docs/control-plane.md.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import { Controller } from "../engine/controller.ts";
import { TerminalError, toError } from "../engine/errors.ts";
import { retryPolicy } from "../engine/retry-policy.ts";
import { createLogger } from "../observability/logger.ts";
import { controlPlaneMetrics } from "./control-plane-metrics.ts";
import { ClusterWatch } from "./observers/cluster-watch.ts";
import { ObserverHealth, type ObserverHealthReport } from "./observers/observer-health.ts";
import { StackObserver } from "./observers/stack-observer.ts";
import { Unavailable } from "./reconciler/cluster-errors.ts";
import { DesiredStateReconciler } from "./reconciler/desired-state-reconciler.ts";
import { KeyringError } from "./store/kubeconfig-keyring.ts";
import { kubeAccessFromText, type KubeAccess } from "../kube/kubeconfig.ts";
import type { Store } from "./store/store.ts";

/** How the control plane runs. */
export interface ControlPlaneOptions {
  readonly store: Store;
  /** How to reach the cluster named {@link ControlPlaneOptions.localCluster}. */
  readonly kubeconfig: KubeAccess;
  /** The name of this process's own cluster in the store. Default `local`. */
  readonly localCluster?: string;
  /** This replica's claim holder id. Default: host, pid and a random suffix. */
  readonly holder?: string;
  /** How often every live stack is looked at even when nothing said it changed. Default 60 s. */
  readonly resyncMs?: number;
  /** How often the outbox is polled. Default 500 ms. */
  readonly outboxPollMs?: number;
  readonly logger?: Logger;
  readonly registry?: Registry;
}

/** A running control plane. */
export interface ControlPlane {
  /** Reconcile this stack now (an in-process shortcut; the outbox says the same durably). */
  notify(stackId: string): void;
  /** True once the local cluster's caches have synced and the first resync has run. */
  ready(): boolean;
  /** How this replica's observer of `cluster` is doing; undefined while it is not connected. */
  observerHealth(cluster: string): ObserverHealthReport | undefined;
  /** Settles once the abort signal has stopped every worker and released this replica's claims. */
  readonly done: Promise<void>;
}

interface Connected {
  readonly watch: ClusterWatch;
  readonly observer: Controller;
  readonly running: Promise<void>;
}

/** The retry policy of both workers: the store or the cluster away is retried within seconds, up to 30 s. */
const policy = retryPolicy({
  transient: { initialMs: 1_000, factor: 2, maxMs: 30_000 },
  unknownMs: 10_000,
  permanent: { firstMs: 60_000, thenMs: 300_000 },
  failedAfter: 5,
});

/**
 * Starts the control plane's workers and returns once the local cluster is
 * registered in the store. Other clusters are connected, from the kubeconfig
 * the store holds for them, when a stack there is first reconciled. Triggers
 * of a stack's reconcile: its outbox rows (polled), {@link ControlPlane.notify},
 * any change of its Stack resource, and the periodic resync. Stops on `signal`.
 */
export async function startControlPlane(
  options: ControlPlaneOptions,
  signal: AbortSignal,
): Promise<ControlPlane> {
  const { store } = options;
  const log = options.logger ?? createLogger({ name: "control-plane", level: "warn" });
  const registry = options.registry ?? new Registry();
  const local = options.localCluster ?? "local";
  const holder = options.holder ?? `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const workers = new AbortController();
  const stopped = AbortSignal.any([signal, workers.signal]);
  await store.catalog.ensureCluster(local, "The cluster the control plane was started against");

  const clusters = new Map<string, Promise<Connected>>();
  const observerHealth = new Map<string, ObserverHealth>();
  /** The last refusal recorded per stack (generation, reason, message), so a resync does not repeat it. */
  const refusals = new Map<string, string>();
  const reconciler = new DesiredStateReconciler({
    store,
    holder,
    log,
    clusters: { connect: async (name) => (await connect(name)).watch },
  });
  const controller: Controller = new Controller({
    name: "controlplane_stack",
    reconciler,
    registry,
    maxConcurrentReconciles: 4,
    retryPolicy: policy,
    onFailure: async (id, error, failures) => {
      if (error instanceof Unavailable) return;
      log.warn({ stackId: id, failures, error: error.message }, "reconcile failed; retrying");
      if (failures !== 1) return;
      await store.stacks.record([
        {
          stackId: id,
          source: "reconciler",
          type: "ReconcileFailed",
          actor: "reconciler",
          data: { error: error.message },
        },
      ]);
    },
    onTerminal: async (id, error: TerminalError) => {
      // A resync runs a refused stack again: record the refusal once per generation and cause.
      const stack = await store.stacks.get(id);
      const key = `${stack?.generation ?? 0}\u0000${error.reason}\u0000${error.message}`;
      if (refusals.get(id) === key) return;
      refusals.set(id, key);
      log.error(
        { stackId: id, reason: error.reason, error: error.message },
        "reconcile failed; not retrying",
      );
      const data = {
        reason: error.reason,
        error: error.message,
        retrying: false,
        generation: stack?.generation,
      };
      try {
        await store.stacks.record([
          { stackId: id, source: "reconciler", type: "ReconcileFailed", actor: "reconciler", data },
        ]);
      } catch (e: unknown) {
        refusals.delete(id); // not recorded: the next refusal tries again
        throw e;
      }
    },
  });

  function connect(name: string): Promise<Connected> {
    let found = clusters.get(name);
    if (!found) {
      found = (async (): Promise<Connected> => {
        const kubeconfig = name === local ? options.kubeconfig : await storedKubeconfig(store, name);
        const watch = new ClusterWatch({
          name,
          kubeconfig,
          log: (level, message, fields) => log[level]({ cluster: name, ...fields }, message),
        });
        let health = observerHealth.get(name);
        if (!health) observerHealth.set(name, (health = new ObserverHealth(name, registry, log)));
        const observer = new Controller({
          name: `controlplane_observer_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`,
          reconciler: new StackObserver({ store, cluster: watch, log, health }),
          registry,
          maxConcurrentReconciles: 2,
          retryPolicy: policy,
        });
        watch.onStackId((id) => {
          controller.queue.add(id);
          observer.queue.add(id);
        });
        observer.start();
        const running = watch.run(stopped).finally(() => observer.stop());
        return { watch, observer, running };
      })();
      found.catch(() => clusters.delete(name));
      clusters.set(name, found);
    }
    return found;
  }

  let resynced = false;
  const resync = async (): Promise<void> => {
    const stacks = await store.stacks.listLive();
    for (const s of stacks) {
      controller.queue.add(s.id, { priority: "resync" });
      const c = clusters.get(s.cluster);
      if (c)
        void c.then(
          (x) => x.observer.queue.add(s.id, { priority: "resync" }),
          () => undefined,
        );
    }
    resynced = true;
  };
  const loop = async (everyMs: number, body: () => Promise<void>, what: string): Promise<void> => {
    while (!stopped.aborted) {
      try {
        await body();
      } catch (e: unknown) {
        log.warn({ error: toError(e).message }, `${what} failed; trying again`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, everyMs);
        stopped.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  };

  controlPlaneMetrics(registry, {
    ping: () => store.ping(),
    unobserved: async () => {
      const counts = new Map<string, number>();
      for (const s of await store.stacks.listLive()) {
        const watch = await clusters.get(s.cluster)?.then(
          (c) => c.watch,
          () => undefined,
        );
        const seen = watch?.synced === true && watch.stackOf(s.id) !== undefined;
        counts.set(s.cluster, (counts.get(s.cluster) ?? 0) + (seen ? 0 : 1));
      }
      return counts;
    },
  });
  const localCluster = await connect(local);
  controller.start();
  const loops = [
    loop(
      options.outboxPollMs ?? 500,
      async () => {
        for (const id of await store.work.takeOutbox(100)) controller.queue.add(id);
      },
      "outbox poll",
    ),
    loop(options.resyncMs ?? 60_000, resync, "resync"),
  ];

  const done = (async () => {
    if (!signal.aborted)
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    workers.abort();
    await controller.stop();
    await Promise.all(loops);
    for (const c of clusters.values()) {
      await c.then(
        async (x) => {
          await x.observer.stop();
          await x.running.catch(() => undefined);
        },
        () => undefined,
      );
    }
    await reconciler.releaseAll();
  })();

  return {
    notify: (id) => controller.queue.add(id),
    ready: () => resynced && localCluster.watch.synced,
    observerHealth: (cluster) => observerHealth.get(cluster)?.report(),
    done,
  };
}

async function storedKubeconfig(store: Store, name: string): Promise<KubeAccess> {
  const text = await store.catalog.clusterKubeconfig(name).catch((e: unknown) => {
    // No configured key opens it: retrying will not help until the keyring changes.
    if (e instanceof KeyringError) throw new TerminalError("KubeconfigUnreadable", e.message);
    throw e;
  });
  if (!text) throw new TerminalError("UnknownCluster", `cluster ${name} has no stored kubeconfig`);
  return kubeAccessFromText(text);
}
