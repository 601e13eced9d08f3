import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { realClock, type Clock } from "../engine/clock.ts";
import { toError } from "../engine/errors.ts";
import type { KubeClient } from "./client.ts";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
import { decideLease, type LeaseSpec } from "./lease-decision.ts";
import { toMicroTime } from "./micro-time.ts";
import { resourcePath } from "./resource-type.ts";
import { type ResourceType } from "../api/resource-type.ts";
import type { ObjectMeta } from "../api/object.ts";

/** The three durations of a leader election, in milliseconds; see {@link LeaderElectorOptions}. */
export type LeaseTiming = Pick<LeaderElectorOptions, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs">;

/** A coordination.k8s.io/v1 Lease as the elector reads and writes it. */
interface Lease {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: LeaseSpec;
}

const leaseType: ResourceType = {
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};

export interface LeaderElectorOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** The Lease's name. */
  readonly name: string;
  /** Unique per candidate; `${hostname}_${random UUID}` by default. */
  readonly identity?: string;
  readonly clock?: Clock;
  /** How long a Lease holds without renewal; 15 s. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it steps down; 10 s, below the lease duration. */
  readonly renewDeadlineMs?: number;
  /** The wait between tries to acquire (plus up to 20 % jitter) or renew; 2 s. */
  readonly retryPeriodMs?: number;
  /**
   * Called when this candidate becomes leader. Do the leader's work until `signal` aborts; the
   * elector waits for a returned promise to settle before it releases the Lease or tries again.
   */
  readonly onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  /** Called after the leader's work has stopped (and the Lease is released, on shutdown). */
  readonly onStoppedLeading?: () => void;
  /** Called when a different holder is seen, this candidate included; never for a released Lease. */
  readonly onNewLeader?: (identity: string) => void;
  readonly log?: (
    level: "info" | "warn" | "error",
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
  /** A source of numbers in [0, 1) for the jitter; `Math.random` by default. */
  readonly random?: () => number;
}

/**
 * Leader election on a Lease, as client-go's `leaderelection` with `ReleaseOnCancel`.
 *
 * - Acquires by creating the Lease, taking it over once expired by our clock, or taking it at
 *   once when released; every write is optimistic (a PUT with the read resourceVersion), so of
 *   two candidates racing for one Lease exactly one wins.
 * - Leads from a successful write until it cannot renew within `renewDeadlineMs` of its last
 *   successful renewal, or sees another holder: then it aborts the leader's signal, waits for the
 *   leader's work to settle, calls `onStoppedLeading`, and goes back to acquiring. Since the
 *   deadline is shorter than the lease duration, it stops leading before anyone else may start.
 * - When `run`'s signal aborts while leading, it stops the leader's work, then releases the Lease
 *   (no holder, 1 s duration) so a standby takes over at once.
 */
export class LeaderElector {
  /** This candidate's identity, as written into the Lease. */
  readonly identity: string;
  readonly #o: LeaderElectorOptions;
  readonly #clock: Clock;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #path: string;
  /** The Lease as last read or written. */
  #lease: Lease | undefined;
  /** The clock time written as renewTime by our last successful write. */
  #renewedAt = 0;
  #reportedLeader = "";
  #leading = false;
  #running = false;

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.#clock = options.clock ?? realClock;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.#renewDeadlineMs < this.#leaseDurationMs))
      throw new RangeError("renewDeadlineMs must be shorter than leaseDurationMs");
    if (!(this.#retryPeriodMs > 0 && this.#retryPeriodMs < this.#renewDeadlineMs))
      throw new RangeError("retryPeriodMs must be positive and shorter than renewDeadlineMs");
    this.#path = resourcePath(leaseType, options.namespace, options.name);
  }

  /** Whether this candidate leads now: from a successful acquire until it stops renewing. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns, leads and campaigns again until `signal` aborts; resolves once the leader's work
   * has settled and the Lease is released. API failures are logged and retried, never thrown;
   * it rejects only when this elector is already running.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error("LeaderElector.run is already running");
    this.#running = true;
    try {
      while (await this.#acquire(signal)) await this.#lead(signal);
    } finally {
      this.#running = false;
    }
  }

  /** Tries every retry period until it holds the Lease (true) or `signal` aborts (false). */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      if ((await this.#tryAcquireOrRenew(signal)) === "held") return true;
      const jitter = 1 + 0.2 * (this.#o.random ?? Math.random)();
      try {
        await this.#clock.sleep(this.#retryPeriodMs * jitter, signal);
      } catch {
        return false;
      }
    }
  }

  async #lead(signal: AbortSignal): Promise<void> {
    this.#leading = true;
    this.#log("info", "became leader");
    const leader = new AbortController();
    const work = this.#startWork(leader.signal);
    let outcome: "shutdown" | "lost" = "shutdown";
    for (;;) {
      try {
        await this.#clock.sleep(this.#retryPeriodMs, signal);
      } catch {
        break;
      }
      const left = this.#renewedAt + this.#renewDeadlineMs - this.#clock.now();
      const result = left > 0 ? await this.#tryAcquireOrRenew(signal, left) : "failed";
      if (signal.aborted) break;
      if (result === "held") continue;
      if (result === "heldByOther" || this.#renewedAt + this.#renewDeadlineMs <= this.#clock.now()) {
        outcome = "lost";
        break;
      }
    }
    this.#leading = false;
    this.#log(outcome === "lost" ? "warn" : "info", outcome === "lost" ? "lost leadership" : "stepping down");
    leader.abort(new Error(outcome === "lost" ? "leadership lost" : "leader election stopped"));
    await work;
    if (outcome === "shutdown") await this.#release();
    this.#call("onStoppedLeading", () => this.#o.onStoppedLeading?.());
  }

  async #startWork(signal: AbortSignal): Promise<void> {
    try {
      await this.#o.onStartedLeading?.(signal);
    } catch (e: unknown) {
      this.#log("error", "the leader's work failed; still holding the Lease", { error: toError(e).message });
    }
  }

  /**
   * One attempt: holds the Lease after it ("held"), someone else holds it ("heldByOther"), or it
   * could not tell ("failed", logged). Requests give up after `deadlineMs` on the clock.
   */
  async #tryAcquireOrRenew(
    signal: AbortSignal,
    deadlineMs = this.#renewDeadlineMs,
  ): Promise<"held" | "heldByOther" | "failed"> {
    const deadline = new AbortController();
    const stopTimer = new AbortController();
    this.#clock.sleep(deadlineMs, stopTimer.signal).then(
      () => deadline.abort(new Error(`no answer within ${deadlineMs} ms`)),
      () => undefined,
    );
    const requestSignal = AbortSignal.any([signal, deadline.signal]);
    try {
      return await this.#attempt(requestSignal);
    } catch (e: unknown) {
      if (!signal.aborted) this.#log("warn", "lease request failed", { error: toError(e).message });
      return "failed";
    } finally {
      stopTimer.abort();
    }
  }

  async #attempt(signal: AbortSignal): Promise<"held" | "heldByOther"> {
    // A leader writes straight from what it wrote last; a conflict means someone else wrote since.
    let current = this.#leading ? this.#lease : await this.#get(signal);
    for (let pass = 0; pass < 3; pass++) {
      const nowMs = this.#clock.now();
      const decision = decideLease(current?.spec, {
        identity: this.identity,
        nowMs,
        leaseDurationMs: this.#leaseDurationMs,
      });
      if (decision.action === "wait") return "heldByOther";
      try {
        const body = { ...current, apiVersion: "coordination.k8s.io/v1", kind: "Lease", spec: decision.spec };
        this.#observe(
          decision.action === "create"
            ? await this.#o.client.request<Lease>("POST", resourcePath(leaseType, this.#o.namespace), {
                body: { ...body, metadata: { name: this.#o.name, namespace: this.#o.namespace } },
                signal,
              })
            : await this.#o.client.request<Lease>("PUT", this.#path, { body, signal }),
        );
        this.#renewedAt = nowMs;
        return "held";
      } catch (e: unknown) {
        // Someone else wrote first, or the Lease was deleted under us: read it again and decide anew.
        if (!isConflict(e) && !isAlreadyExists(e) && !isNotFound(e)) throw e;
      }
      current = await this.#get(signal);
    }
    return "heldByOther";
  }

  async #get(signal: AbortSignal): Promise<Lease | undefined> {
    try {
      const lease = await this.#o.client.request<Lease>("GET", this.#path, { signal });
      this.#observe(lease);
      return lease;
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Gives the Lease up for a standby to take at once, if we still hold it; logs what fails. */
  async #release(): Promise<void> {
    let current = this.#lease;
    for (let pass = 0; pass < 2 && current?.spec?.holderIdentity === this.identity; pass++) {
      const { holderIdentity: _, ...rest } = current.spec ?? {};
      const now = toMicroTime(this.#clock.now());
      const spec: LeaseSpec = { ...rest, leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      try {
        this.#observe(
          await this.#o.client.request<Lease>("PUT", this.#path, {
            body: { ...current, spec },
            timeoutMs: this.#renewDeadlineMs,
          }),
        );
        this.#log("info", "released the Lease");
        return;
      } catch (e: unknown) {
        if (!isConflict(e)) {
          this.#log("warn", "could not release the Lease", { error: toError(e).message });
          return;
        }
      }
      current = await this.#get(AbortSignal.timeout(this.#renewDeadlineMs)).catch(() => undefined);
    }
  }

  #observe(lease: Lease): void {
    this.#lease = lease;
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder === "" || holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    this.#log("info", "new leader", { holder });
    this.#call("onNewLeader", () => this.#o.onNewLeader?.(holder));
  }

  #call(name: string, f: () => void): void {
    try {
      f();
    } catch (e: unknown) {
      this.#log("error", `${name} threw`, { error: toError(e).message });
    }
  }

  #log(level: "info" | "warn" | "error", message: string, fields: Record<string, unknown> = {}): void {
    this.#o.log?.(level, message, {
      lease: `${this.#o.namespace}/${this.#o.name}`,
      identity: this.identity,
      ...fields,
    });
  }
}
