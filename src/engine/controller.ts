import type { Registry } from "prom-client";
import { type Clock, realClock } from "./clock.ts";
import { type ControllerMetrics, controllerMetrics, workQueueMetrics } from "./controller-metrics.ts";
import { type ErrorClass, errorClassOf, type TerminalError, terminalErrorOf, toError } from "./errors.ts";
import type { ReconcileResult, Reconciler } from "./result.ts";
import { defaultRetryPolicy, jittered, type RetryPolicy } from "./retry-policy.ts";
import { TokenBucket } from "./token-bucket.ts";
import { WorkQueue } from "./work-queue.ts";

/** How a {@link Controller} is made. */
export interface ControllerOptions<K extends string> {
  /** The `controller` label of its metrics and the `name` label of its queue's. */
  readonly name: string;
  readonly reconciler: Reconciler<K>;
  /** Where its metrics go; many controllers may share one. */
  readonly registry: Registry;
  /** How many keys are reconciled at once. Default 1. */
  readonly maxConcurrentReconciles?: number;
  /** Taken once before every reconcile; share one to limit several controllers together. Default: its own 10/s, burst 100. */
  readonly rateLimiter?: TokenBucket;
  readonly retryPolicy?: RetryPolicy;
  readonly clock?: Clock;
  /** A source of numbers in [0, 1) for retry jitter. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * A reconcile threw a TerminalError: record it (status, event). The key is forgotten and not
   * retried; re-add it when the object's generation changes. Awaited while the key is still held.
   */
  readonly onTerminal?: (key: K, error: TerminalError) => void | Promise<void>;
  /**
   * A reconcile threw anything else: the key was scheduled for a retry. `failures` counts consecutive
   * failures from 1; `failed` is true once it reaches the policy's `failedAfter`, when the resource
   * should be reported Failed with its retry count. Awaited while the key is still held.
   */
  readonly onFailure?: (
    key: K,
    error: Error,
    failures: number,
    errorClass: ErrorClass,
    failed: boolean,
  ) => void | Promise<void>;
}

/** What became of one reconcile; the input of the queue policy. */
type Outcome =
  | ReconcileResult
  | { readonly type: "terminal"; readonly error: TerminalError }
  | { readonly type: "error"; readonly error: Error }
  | { readonly type: "stopped" };

/**
 * Runs a {@link Reconciler} over a {@link WorkQueue} with up to `maxConcurrentReconciles` workers.
 * Handlers turn events into keys with `controller.queue.add(key)`. Guarantees: one key is never
 * reconciled twice at once; every reconcile first takes a token from the rate limiter; the queue
 * policy is the one switch in `#apply`; each reconcile's signal is aborted when {@link Controller.stop}
 * is called, and a reconcile that throws after that is neither counted nor retried.
 */
export class Controller<K extends string = string> {
  #queue: WorkQueue<K>;
  readonly #options: ControllerOptions<K>;
  readonly #labels: { readonly controller: string };
  readonly #metrics: ControllerMetrics;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #policy: RetryPolicy;
  readonly #rateLimiter: TokenBucket;
  readonly #workers: number;
  #stopping = new AbortController();
  #running: Array<Promise<void>> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: ControllerOptions<K>) {
    const workers = options.maxConcurrentReconciles ?? 1;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`maxConcurrentReconciles must be a positive integer, got ${workers}`);
    }
    this.#options = options;
    this.#workers = workers;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#policy = options.retryPolicy ?? defaultRetryPolicy;
    this.#rateLimiter = options.rateLimiter ?? new TokenBucket({ clock: this.#clock });
    this.#labels = { controller: options.name };
    this.#metrics = controllerMetrics(options.registry);
    this.#queue = this.#newQueue();
    for (const result of ["success", "error", "requeue", "requeue_after"]) {
      this.#metrics.reconcileTotal.inc({ ...this.#labels, result }, 0);
    }
    this.#metrics.reconcileErrors.inc(this.#labels, 0);
    this.#metrics.terminalReconcileErrors.inc(this.#labels, 0);
    this.#metrics.maxConcurrentReconciles.set(this.#labels, workers);
    this.#metrics.activeWorkers.set(this.#labels, 0);
  }

  /** Its queue: add keys here. After a restart, a new one (handlers should read it each time). */
  get queue(): WorkQueue<K> {
    return this.#queue;
  }

  #newQueue(): WorkQueue<K> {
    return new WorkQueue<K>({
      clock: this.#clock,
      metrics: workQueueMetrics(this.#metrics, this.#options.name),
    });
  }

  /**
   * Starts the workers. Throws if running. Once {@link Controller.stop} has resolved it may start
   * again (a replica that leads again), afresh: an empty queue and a new signal.
   */
  start(): void {
    if (this.#running !== undefined && this.#stopped === undefined) {
      throw new Error(`controller ${this.#options.name} already started`);
    }
    if (this.#stopped !== undefined) {
      this.#queue = this.#newQueue();
      this.#stopping = new AbortController();
      this.#stopped = undefined;
    }
    this.#running = Array.from({ length: this.#workers }, () => this.#work());
  }

  /**
   * Stops taking work, aborts the signal of in-flight reconciles and resolves once they have all
   * returned. Queued and delayed keys are dropped. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.queue.shutdown();
      this.#stopping.abort(new DOMException(`controller ${this.#options.name} stopped`, "AbortError"));
      await this.queue.shutDownWithDrain();
      await Promise.all(this.#running ?? []);
    })();
    return this.#stopped;
  }

  async #work(): Promise<void> {
    const signal = this.#stopping.signal;
    for (;;) {
      const key = await this.queue.get(signal);
      if (key === undefined) return;
      try {
        await this.#rateLimiter.take(signal);
        await this.#apply(key, await this.#reconcile(key, signal));
      } catch {
        // Only the rate limiter's wait can throw here, when stopping.
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #reconcile(key: K, signal: AbortSignal): Promise<Outcome> {
    this.#metrics.activeWorkers.inc(this.#labels);
    const started = this.#clock.now();
    try {
      return await this.#options.reconciler.reconcile(key, signal);
    } catch (e) {
      if (signal.aborted) return { type: "stopped" };
      const terminal = terminalErrorOf(e);
      return terminal !== undefined
        ? { type: "terminal", error: terminal }
        : { type: "error", error: toError(e) };
    } finally {
      this.#metrics.reconcileTime.observe(this.#labels, (this.#clock.now() - started) / 1000);
      this.#metrics.activeWorkers.dec(this.#labels);
    }
  }

  /** The queue policy. */
  async #apply(key: K, outcome: Outcome): Promise<void> {
    const m = this.#metrics;
    switch (outcome.type) {
      case "done":
        this.queue.forget(key);
        m.reconcileTotal.inc({ ...this.#labels, result: "success" });
        return;
      case "requeueAfter":
        this.queue.forget(key);
        this.queue.addAfter(key, outcome.ms);
        m.reconcileTotal.inc({ ...this.#labels, result: "requeue_after" });
        return;
      case "terminal":
        this.queue.forget(key);
        m.reconcileTotal.inc({ ...this.#labels, result: "error" });
        m.reconcileErrors.inc(this.#labels);
        m.terminalReconcileErrors.inc(this.#labels);
        m.reconcileErrorsByClass.inc({ ...this.#labels, class: errorClassOf(outcome.error) });
        await this.#callback(() => this.#options.onTerminal?.(key, outcome.error));
        return;
      case "error": {
        const failures = this.queue.recordFailure(key);
        const errorClass = errorClassOf(outcome.error);
        this.queue.addAfter(key, jittered(this.#policy.delayMs(errorClass, failures), this.#random));
        m.reconcileTotal.inc({ ...this.#labels, result: "error" });
        m.reconcileErrors.inc(this.#labels);
        m.reconcileErrorsByClass.inc({ ...this.#labels, class: errorClass });
        const failed = failures >= this.#policy.failedAfter;
        await this.#callback(() =>
          this.#options.onFailure?.(key, outcome.error, failures, errorClass, failed),
        );
        return;
      }
      case "stopped":
        return;
    }
  }

  /** Runs a callback; a callback that throws is reported as a process warning, so no worker dies of it. */
  async #callback(call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (e) {
      process.emitWarning(toError(e), { code: "STACKWARDEN_CONTROLLER_CALLBACK" });
    }
  }
}
