import { type Clock, realClock } from "./clock.ts";

/**
 * Why a key is queued. `change`: something about the object changed (spec, an owned object, a
 * requeue the reconciler asked for); `resync`: a periodic look at an object nothing said changed.
 */
export type QueuePriority = "change" | "resync";

/**
 * Hooks a {@link WorkQueue} calls as it works, all synchronously; the controller wires them to
 * prom-client's `workqueue_*` metrics. Durations are in seconds on the queue's clock.
 */
export interface WorkQueueMetrics {
  /** The number of keys waiting to be handed out changed. */
  depth(n: number): void;
  /** `add` was called (including a delayed add falling due), before deduplication. */
  added(): void;
  /** A key was handed out after waiting this long in the queue. */
  queued(seconds: number): void;
  /** A key was marked done after being held this long. */
  worked(seconds: number): void;
  /** A failure was recorded for a key, so it will be retried. */
  retried(): void;
}

/** How a {@link WorkQueue} is made. */
export interface WorkQueueOptions {
  readonly clock?: Clock;
  readonly metrics?: WorkQueueMetrics;
  /** While resyncs wait, at least one is served for every this many changes. Default 10. */
  readonly resyncEvery?: number;
}

interface Waiter<K> {
  readonly resolve: (key: K | undefined) => void;
}

/**
 * A keyed, level-based work queue, after client-go's. Guarantees:
 *
 * - A key is queued at most once: adding a queued key does nothing except raise a resync to a change.
 * - A key is never handed out twice at once. A key re-added while held is marked dirty and queued
 *   again, once, when {@link WorkQueue.done} is called for it.
 * - Changes are served before resyncs, but resyncs are not starved: while resyncs wait, at least one
 *   is served after every `resyncEvery` (10) changes. Within a priority, first in, first out.
 * - {@link WorkQueue.addAfter} adds a key later on the clock; for a key already waiting, the earlier
 *   time wins.
 * - Per-key failure counts, kept until {@link WorkQueue.forget}, are the controller's backoff state.
 * - After shutdown, `get` returns undefined and adds are ignored; queued keys are dropped (a level-based
 *   reconciler finds them again on its next start).
 */
export class WorkQueue<K extends string = string> {
  readonly #clock: Clock;
  readonly #metrics: WorkQueueMetrics | undefined;
  readonly #resyncEvery: number;
  /** Queued keys by priority, in insertion order, with the time they were queued. */
  readonly #changes = new Map<K, number>();
  readonly #resyncs = new Map<K, number>();
  /** Held keys with the time they were handed out. */
  readonly #processing = new Map<K, number>();
  /** Held keys added again meanwhile, with the priority and time of that add. */
  readonly #dirty = new Map<K, { priority: QueuePriority; at: number }>();
  /** Delayed adds: when each falls due, and how to cancel its sleep. */
  readonly #waiting = new Map<K, { at: number; cancel: AbortController }>();
  readonly #failures = new Map<K, number>();
  readonly #getters: Array<Waiter<K>> = [];
  #changesSinceResync = 0;
  #shuttingDown = false;
  #drained: (() => void) | undefined;
  #drain: Promise<void> | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#metrics = options.metrics;
    this.#resyncEvery = Math.max(1, options.resyncEvery ?? 10);
  }

  /** Queues `key` unless it is already queued (then only raises its priority) or held (then marks it dirty). */
  add(key: K, options: { readonly priority?: QueuePriority } = {}): void {
    if (this.#shuttingDown) return;
    const priority = options.priority ?? "change";
    const now = this.#clock.now();
    this.#metrics?.added();
    if (this.#processing.has(key)) {
      const dirty = this.#dirty.get(key);
      if (dirty === undefined) this.#dirty.set(key, { priority, at: now });
      else if (priority === "change") dirty.priority = "change";
      return;
    }
    if (this.#changes.has(key)) return;
    const resyncSince = this.#resyncs.get(key);
    if (resyncSince !== undefined) {
      if (priority === "resync") return;
      this.#resyncs.delete(key);
      this.#changes.set(key, resyncSince);
      return;
    }
    this.#enqueue(key, priority, now);
  }

  /**
   * Adds `key` after `ms` on the clock (at once when `ms <= 0`). If a delayed add for `key` is already
   * waiting, the earlier of the two is kept. An immediate add leaves a waiting delayed add in place, as
   * client-go does: the key is then worked on now and again when the delay ends.
   */
  addAfter(key: K, ms: number, options: { readonly priority?: QueuePriority } = {}): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key, options);
      return;
    }
    const at = this.#clock.now() + ms;
    const existing = this.#waiting.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      existing.cancel.abort();
    }
    const cancel = new AbortController();
    this.#waiting.set(key, { at, cancel });
    this.#clock.sleep(ms, cancel.signal).then(
      () => {
        this.#waiting.delete(key);
        this.add(key, options);
      },
      () => {}, // cancelled: replaced by an earlier add, or shut down
    );
  }

  /**
   * The next key to work on, waiting for one if none is queued. The caller holds the key until it
   * calls {@link WorkQueue.done}. Resolves undefined once the queue shuts down or `signal` aborts.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.#shuttingDown || signal?.aborted) return Promise.resolve(undefined);
    const key = this.#pop();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise<K | undefined>((resolve) => {
      const onAbort = (): void => {
        const i = this.#getters.indexOf(waiter);
        if (i >= 0) this.#getters.splice(i, 1);
        resolve(undefined);
      };
      const waiter: Waiter<K> = {
        resolve: (k) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(k);
        },
      };
      this.#getters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Releases a key handed out by `get`; if it was added meanwhile, queues it again. */
  done(key: K): void {
    const since = this.#processing.get(key);
    if (since === undefined) return;
    this.#processing.delete(key);
    this.#metrics?.worked((this.#clock.now() - since) / 1000);
    const dirty = this.#dirty.get(key);
    this.#dirty.delete(key);
    if (dirty !== undefined && !this.#shuttingDown) this.#enqueue(key, dirty.priority, dirty.at);
    if (this.#processing.size === 0) this.#drained?.();
  }

  /** Counts one more consecutive failure for `key` and returns the new count (1 for the first). */
  recordFailure(key: K): number {
    const n = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, n);
    this.#metrics?.retried();
    return n;
  }

  /** The consecutive failures counted for `key` since it was last forgotten. */
  failures(key: K): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Clears the failure count of `key`; its next failure counts as the first. */
  forget(key: K): void {
    this.#failures.delete(key);
  }

  /** The number of keys queued and not yet handed out (held and delayed keys are not counted). */
  len(): number {
    return this.#changes.size + this.#resyncs.size;
  }

  /** Whether {@link WorkQueue.shutdown} was called. */
  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Stops the queue: waiting and future `get`s resolve undefined, adds are ignored, delayed adds are dropped. */
  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const { cancel } of this.#waiting.values()) cancel.abort();
    this.#waiting.clear();
    this.#changes.clear();
    this.#resyncs.clear();
    this.#metrics?.depth(0);
    for (const getter of this.#getters.splice(0)) getter.resolve(undefined);
  }

  /** Shuts down, then resolves once every held key has been marked done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.#processing.size === 0) return;
    this.#drain ??= new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    await this.#drain;
  }

  #enqueue(key: K, priority: QueuePriority, at: number): void {
    (priority === "change" ? this.#changes : this.#resyncs).set(key, at);
    this.#metrics?.depth(this.len());
    const getter = this.#getters.shift();
    if (getter === undefined) return;
    const next = this.#pop();
    if (next !== undefined) getter.resolve(next);
    else this.#getters.unshift(getter);
  }

  /** Takes the next key by the priority rule and marks it held. */
  #pop(): K | undefined {
    const takeResync =
      this.#resyncs.size > 0 && (this.#changes.size === 0 || this.#changesSinceResync >= this.#resyncEvery);
    const from = takeResync ? this.#resyncs : this.#changes;
    const first = from.entries().next();
    if (first.done === true) return undefined;
    const [key, queuedAt] = first.value;
    from.delete(key);
    if (takeResync) this.#changesSinceResync = 0;
    else if (this.#resyncs.size > 0) this.#changesSinceResync++;
    const now = this.#clock.now();
    this.#processing.set(key, now);
    this.#metrics?.depth(this.len());
    this.#metrics?.queued((now - queuedAt) / 1000);
    return key;
  }
}
