import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { KubeAccess } from "../kube/kubeconfig.ts";
import { Registry, collectDefaultMetrics } from "prom-client";
import { Controller, type ControllerOptions } from "../engine/controller.ts";
import { TokenBucket } from "../engine/token-bucket.ts";
import { realClock, type Clock } from "../engine/clock.ts";
import { toError } from "../engine/errors.ts";
import { KubeClient } from "../kube/client.ts";
import { clientRequestMetric } from "../kube/client-metrics.ts";
import { EventRecorder } from "../kube/event-recorder.ts";
import { LeaderElector, type LeaseTiming } from "../kube/leader-election.ts";
import { leaderElectionMetric } from "../kube/leader-election-metrics.ts";
import { Redactor } from "../kube/redactor.ts";
import { Reflector, type ReflectorOptions } from "../kube/reflector.ts";
import { reflectorMetrics } from "../kube/reflector-metrics.ts";
import { ResourceTypes } from "../kube/resource-type.ts";
import { type ResourceType } from "../api/resource-type.ts";
import type { KubeObject } from "../api/object.ts";
import { startHealthServer } from "../observability/health-server.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { reconcileSpanAttributes, withSpan } from "../observability/tracing.ts";
import { QuietWatch } from "../engine/quiet-watch.ts";
import type { Reconciler } from "../engine/result.ts";

export interface ManagerOptions {
  readonly kubeconfig: KubeAccess;
  /** Where the leader-election Lease lives. */
  readonly leaseNamespace: string;
  readonly leaseName?: string;
  /** Off for tests and single-replica runs; on by default. */
  readonly leaderElection?: boolean;
  readonly identity?: string;
  /** Port of /healthz, /readyz (and /metrics); 0 picks one; undefined serves none. */
  readonly healthPort?: number;
  /** Address to bind the health server to; 127.0.0.1 by default. */
  readonly healthHost?: string;
  /** A second server for /metrics (controller-runtime keeps the two apart); undefined serves none. */
  readonly metricsPort?: number;
  readonly metricsHost?: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** How often every primary object is reconciled again even when nothing changed. Default 10 min. */
  readonly resyncPeriodMs?: number;
  /**
   * Reconciles per second across all controllers of this process, and the burst allowed above
   * that. Default 50/s, burst 200: enough for hundreds of stacks installing at once, while a
   * hot loop still cannot flood the API server (which also protects itself with priority and
   * fairness).
   */
  readonly reconcilesPerSecond?: number;
  readonly reconcileBurst?: number;
  /**
   * How long a new leader waits for its caches to sync before it gives up the Lease and fails
   * (controller-runtime's `CacheSyncTimeout`). Default 2 min. A cache that cannot list (its CRD
   * missing, its RBAC denied) would otherwise keep a leader that does nothing.
   */
  readonly cacheSyncTimeoutMs?: number;
  /** The Lease's duration, renew deadline and retry period; client-go's 15 s, 10 s and 2 s by default. */
  readonly leaseTiming?: LeaseTiming;
  /**
   * Called once reconciles have stopped for `afterBurstQuietMs` (30 s by default) after a burst of
   * them, and not again before the next burst. The long-running commands give V8's heap back to the
   * system there (`heapCompactor`, cli/small-heap.ts).
   */
  readonly afterBurst?: () => void;
  readonly afterBurstQuietMs?: number;
  /**
   * Called after every reconcile, whatever its outcome, on the event loop: keep it cheap. The
   * long-running commands keep V8's heap from growing far while a burst lasts there.
   */
  readonly afterReconcile?: () => void;
  /** Where the manager's metrics go (and the caller's own, beside them); a new one by default. */
  readonly registry?: Registry;
}

interface Registered {
  readonly controller: Controller;
  /** The caches of the kind it reconciles: one per watched namespace, or one for all. */
  readonly primaries: readonly Reflector[];
}

/**
 * What controller-runtime calls a manager: one process's shared pieces and
 * their lifecycle. It owns the API client, the caches (one reflector per
 * resource type and selector, shared by every controller), the metrics
 * registry, the event recorder, leader election and the health server.
 *
 * Caches start at once, so a standby replica is warm when it takes over;
 * controllers run only while this replica leads. On shutdown it stops taking
 * work, drains in-flight reconciles, releases the Lease and closes the
 * server. Readiness means: every cache has synced.
 */
export class Manager {
  readonly client: KubeClient;
  readonly types = new ResourceTypes();
  readonly registry: Registry;
  readonly redactor = new Redactor();
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly identity: string;
  readonly #o: ManagerOptions;
  readonly #clock: Clock;
  readonly #reflectors = new Map<string, Reflector>();
  readonly #controllers: Registered[] = [];
  readonly #caches = new AbortController();
  readonly #rateLimiter: TokenBucket;
  readonly #quiet: QuietWatch | undefined;
  readonly #afterReconcile: (() => void) | undefined;
  #leading = false;
  #healthPort: number | undefined;
  #metricsPort: number | undefined;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#rateLimiter = new TokenBucket({
      ratePerSecond: options.reconcilesPerSecond ?? 50,
      burst: options.reconcileBurst ?? 200,
      clock: this.#clock,
    });
    const { afterBurst, afterReconcile } = options;
    this.#afterReconcile = afterReconcile;
    this.registry = options.registry ?? new Registry();
    this.#quiet = afterBurst
      ? new QuietWatch({
          quietMs: options.afterBurstQuietMs ?? 30_000,
          onQuiet: afterBurst,
          clock: this.#clock,
          signal: this.#caches.signal,
        })
      : undefined;
    this.client = new KubeClient(options.kubeconfig);
    this.identity = options.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`;
    this.log =
      options.logger ?? createLogger({ name: "stackwarden", redact: (t) => this.redactor.redact(t) });
    this.events = new EventRecorder({
      client: this.client,
      reportingInstance: this.identity,
      redactor: this.redactor,
      log: this.#logTo,
    });
    // prom-client samples event-loop delay every 10 ms by default, which alone kept an idle
    // operator at 0.5 CPU-seconds every 2 minutes; once a second costs next to nothing.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
    clientRequestMetric(this.registry, this.client);
    leaderElectionMetric(this.registry, options.leaseName ?? "stackwarden-operator", () => this.#leading);
    reflectorMetrics(this.registry, () =>
      [...this.#reflectors.values()].map((r): [string, number] => [r.resource, r.lastEventAgeMs]),
    );
  }

  /** Adapts the runtime's `(level, message, fields)` log calls to the structured logger. */
  readonly #logTo = (
    level: "debug" | "info" | "warn" | "error",
    message: string,
    fields?: Record<string, unknown>,
  ): void => this.log[level](fields ?? {}, message);

  /** The port the health server listens on, once running. */
  get healthPort(): number | undefined {
    return this.#healthPort;
  }

  /** The port the metrics server listens on, once running. */
  get metricsPort(): number | undefined {
    return this.#metricsPort;
  }

  /** True while this replica holds the Lease (always, without leader election). */
  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * The shared cache of `type` (in `namespace`, matching `labelSelector`);
   * created on first request and started by {@link run}. `transform` (set by the first caller)
   * drops what no reader of the cache needs.
   */
  reflector<T extends KubeObject = KubeObject>(
    type: ResourceType,
    {
      namespace,
      labelSelector,
      transform,
    }: { namespace?: string; labelSelector?: string; transform?: ReflectorOptions["transform"] } = {},
  ): Reflector<T> {
    const key = `${type.group}/${type.plural}|${namespace ?? ""}|${labelSelector ?? ""}`;
    let reflector = this.#reflectors.get(key);
    if (!reflector) {
      reflector = new Reflector({
        client: this.client,
        type,
        ...(namespace ? { namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
        ...(transform ? { transform } : {}),
        clock: this.#clock,
        metrics: reflectorMetrics(this.registry),
        log: this.#logTo,
      });
      this.#reflectors.set(key, reflector);
    }
    return reflector as unknown as Reflector<T>;
  }

  /**
   * Adds a controller. `primaries` are the caches of the kind it reconciles (one per watched
   * namespace, or one for all), and every one is treated alike: a change to a primary object that
   * {@link specChanged} accepts enqueues its key, and every primary key is enqueued again as a
   * resync each `resyncPeriodMs`.
   */
  addController<T extends KubeObject>(
    primaries: Reflector<T> | ReadonlyArray<Reflector<T>>,
    options: Omit<ControllerOptions<string>, "registry" | "clock"> & { readonly clock?: Clock },
  ): Controller {
    const caches = (Array.isArray(primaries) ? primaries : [primaries]) as unknown as readonly Reflector[];
    const kind = caches[0]?.kind ?? "";
    const find = (key: string): KubeObject | undefined =>
      caches.map((c) => c.store.get(key)).find((o) => o !== undefined);
    const controller = new Controller<string>({
      ...options,
      reconciler: this.#traced(options.name, kind, find, options.reconciler),
      registry: this.registry,
      clock: options.clock ?? this.#clock,
      rateLimiter: options.rateLimiter ?? this.#rateLimiter,
    });
    for (const primary of caches) {
      primary.on((event) => {
        if (event.type === "modified" && !specChanged(event.previous, event.object)) return;
        controller.queue.add(keyOf(event.object));
      });
    }
    this.#controllers.push({ controller, primaries: caches });
    return controller;
  }

  /** Every reconcile as a span; the API requests it makes are its children, and its log lines carry its trace id. */
  #traced(
    name: string,
    kind: string,
    find: (key: string) => KubeObject | undefined,
    inner: Reconciler<string>,
  ): Reconciler<string> {
    return {
      reconcile: (key, signal) => {
        const [namespace, objectName] = key.includes("/") ? key.split("/", 2) : [undefined, key];
        const generation = find(key)?.metadata.generation;
        return withSpan(
          `reconcile ${name}`,
          reconcileSpanAttributes({
            controller: name,
            kind,
            ...(namespace ? { namespace } : {}),
            name: objectName ?? key,
            ...(generation !== undefined ? { generation } : {}),
          }),
          () => inner.reconcile(key, signal),
        ).finally(() => {
          this.#quiet?.touch();
          this.#afterReconcile?.();
        });
      },
    };
  }

  /** True when every cache has synced: the process is ready to serve. */
  get ready(): boolean {
    return [...this.#reflectors.values()].every((r) => r.hasSynced);
  }

  /**
   * Runs until `signal` aborts, then shuts down in order and resolves. When the leader's work fails
   * (its caches cannot sync or a controller cannot start) or a cache stops for good, it does not
   * linger as a leader doing nothing: it stops, gives up the Lease and rejects with the failure, so
   * the process exits non-zero and another replica takes over.
   */
  async run(signal: AbortSignal): Promise<void> {
    const failed = new AbortController();
    let failure: Error | undefined;
    const fail = (e: unknown, message: string, fields: Record<string, unknown> = {}): void => {
      if (signal.aborted || failed.signal.aborted) return;
      failure = toError(e);
      this.log.error({ ...fields, error: failure.message }, message);
      failed.abort(failure);
    };
    const stop = AbortSignal.any([signal, failed.signal]);
    for (const r of this.#reflectors.values()) {
      void r
        .run(this.#caches.signal)
        .catch((e: unknown) => fail(e, "a cache stopped", { resource: r.resource }));
    }
    const [server, metricsServer] = await this.#serve();
    const resync = this.#resyncLoop(stop);
    const lead = (leading: AbortSignal): Promise<void> =>
      this.#lead(leading).catch((e: unknown) => fail(e, "the leader's work failed; giving up the Lease"));
    try {
      if (this.#o.leaderElection === false) {
        await lead(stop);
      } else {
        const elector = new LeaderElector({
          client: this.client,
          namespace: this.#o.leaseNamespace,
          name: this.#o.leaseName ?? "stackwarden-operator",
          identity: this.identity,
          clock: this.#clock,
          onStartedLeading: lead,
          onNewLeader: (leader) => this.log.info({ leader }, "leader elected"),
          log: this.#logTo,
          ...this.#o.leaseTiming,
        });
        await elector.run(stop);
      }
    } finally {
      this.#caches.abort();
      await resync;
      await this.events.flush();
      await server?.close();
      await metricsServer?.close();
      this.client.close();
    }
    if (failure) throw failure;
  }

  /** Starts the health and metrics servers that are asked for. */
  async #serve(): Promise<Array<Awaited<ReturnType<typeof startHealthServer>> | undefined>> {
    const checks = { live: () => true, ready: () => this.ready };
    const serve = (
      port: number | undefined,
      host: string | undefined,
    ): ReturnType<typeof startHealthServer> | undefined =>
      port === undefined
        ? undefined
        : startHealthServer({ port, ...(host ? { host } : {}), registry: this.registry, checks });
    const [server, metricsServer] = await Promise.all([
      serve(this.#o.healthPort, this.#o.healthHost),
      serve(this.#o.metricsPort, this.#o.metricsHost),
    ]);
    this.#healthPort = server?.port;
    this.#metricsPort = metricsServer?.port;
    return [server, metricsServer];
  }

  /** Runs the controllers until `signal` aborts (leadership lost or shutdown), then drains them. */
  async #lead(signal: AbortSignal): Promise<void> {
    this.#leading = true;
    this.log.info(
      { identity: this.identity, controllers: this.#controllers.length },
      "leading: starting controllers",
    );
    try {
      if (!(await this.#cachesSynced(signal))) return;
      for (const { controller, primaries } of this.#controllers) {
        controller.start();
        // Whatever changed while another replica led is looked at now.
        for (const o of primaries.flatMap((p) => p.store.list())) controller.queue.add(keyOf(o));
      }
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener("abort", () => resolve(), { once: true });
      });
    } finally {
      await Promise.all(this.#controllers.map(({ controller }) => controller.stop()));
      this.#leading = false;
    }
    this.log.info({ identity: this.identity }, "stopped leading: controllers drained");
  }

  /**
   * Resolves true once every cache has synced, false when `signal` aborts first; rejects, naming
   * the caches still unsynced, when the cache-sync timeout passes first.
   */
  async #cachesSynced(signal: AbortSignal): Promise<boolean> {
    const limitMs = this.#o.cacheSyncTimeoutMs ?? 120_000;
    const waiting = [...this.#reflectors.values()];
    const settled = new AbortController();
    const aborted = new Promise<false>((resolve) => {
      if (signal.aborted) resolve(false);
      else signal.addEventListener("abort", () => resolve(false), { once: true });
    });
    const timedOut = this.#clock.sleep(limitMs, settled.signal).then(
      () => {
        const unsynced = waiting.filter((r) => !r.hasSynced).map((r) => r.resource);
        throw new Error(`caches not synced within ${limitMs / 1000} s: ${unsynced.join(", ")}`);
      },
      () => false as const,
    );
    try {
      return await Promise.race([
        Promise.all(waiting.map((r) => r.waitForSync())).then(() => true),
        aborted,
        timedOut,
      ]);
    } finally {
      settled.abort();
    }
  }

  async #resyncLoop(signal: AbortSignal): Promise<void> {
    const period = this.#o.resyncPeriodMs ?? 10 * 60_000;
    try {
      for (;;) {
        await this.#clock.sleep(period, signal);
        if (!this.#leading) continue;
        for (const { controller, primaries } of this.#controllers) {
          for (const o of primaries.flatMap((p) => p.store.list())) {
            controller.queue.add(keyOf(o), { priority: "resync" });
          }
        }
      }
    } catch {
      // Aborted: shutting down.
    }
  }
}

/** `namespace/name`, or `name` for a cluster-scoped object: the key of a work queue. */
function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/**
 * True when an update to a primary object is one a controller must act on:
 * a new generation (spec), or a change of labels, annotations, finalizers or
 * deletion. Status-only updates — most of them the controller's own writes —
 * are not, or every status write would reconcile again at once and a failing
 * object would retry in a hot loop instead of along the retry policy.
 * controller-runtime users reach for `GenerationChangedPredicate` for this.
 */
export function specChanged(previous: KubeObject, object: KubeObject): boolean {
  const a = previous.metadata;
  const b = object.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {}) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {}) ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? [])
  );
}
