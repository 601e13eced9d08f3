import type { Clock } from "./clock.ts";

/** How a {@link Backoff} grows. */
export interface BackoffOptions {
  /** The first delay. */
  readonly initialMs: number;
  /** No delay is ever longer than this, jitter included. */
  readonly maxMs: number;
  /** Each delay is this many times the one before (before jitter). Default 2. */
  readonly factor?: number;
  /**
   * How a delay `d` (the exponential step, capped) is randomised. A number is multiplicative
   * jitter: a value in `[d·(1−jitter), d·(1+jitter)]` (default 0.2). `"full"` is full jitter: a
   * value in `[0, d]`, which spreads many clients retrying against one server that came back
   * (agents after a control-plane outage) over the whole step instead of ±20% of it.
   */
  readonly jitter?: number | "full";
  /**
   * A quiet period: when this long has passed since the last delay ended, the next delay starts
   * again from `initialMs`. Omitted: the backoff only resets on {@link Backoff.reset}.
   */
  readonly resetAfterMs?: number;
  readonly clock: Clock;
  /** A source of numbers in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/** kube-rs's watcher backoff: 800 ms doubling to 30 s, reset after two quiet minutes. */
export const watchBackoffOptions: Omit<BackoffOptions, "clock"> = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 120_000,
};

/** A control-plane client's retries (the agent's calls): 500 ms doubling to 10 s, full jitter. */
export const controlPlaneBackoffOptions: Omit<BackoffOptions, "clock"> = {
  initialMs: 500,
  maxMs: 10_000,
  factor: 2,
  jitter: "full",
};

/**
 * Jittered exponential backoff for one retrying thing (a watch, a lease renewal). It is a plain
 * object: the caller sleeps for what {@link Backoff.next} returns.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number | "full";
  readonly #resetAfterMs: number | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  #attempt = 0;
  /** When the last returned delay ends, on the clock. */
  #lastEndsAt: number | undefined;

  constructor(options: BackoffOptions) {
    this.#initialMs = options.initialMs;
    this.#maxMs = options.maxMs;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#resetAfterMs = options.resetAfterMs;
    this.#clock = options.clock;
    this.#random = options.random ?? Math.random;
  }

  /**
   * The next delay in whole milliseconds, never above `maxMs`. Starts over from `initialMs` when the
   * quiet period has passed since the previous delay ended.
   */
  next(): number {
    const now = this.#clock.now();
    if (
      this.#resetAfterMs !== undefined &&
      this.#lastEndsAt !== undefined &&
      now - this.#lastEndsAt >= this.#resetAfterMs
    ) {
      this.#attempt = 0;
    }
    const base = Math.min(this.#initialMs * this.#factor ** this.#attempt, this.#maxMs);
    if (base < this.#maxMs) this.#attempt++;
    const spread = this.#jitter === "full" ? this.#random() : 1 + this.#jitter * (2 * this.#random() - 1);
    const delay = Math.round(Math.min(Math.max(0, base * spread), this.#maxMs));
    this.#lastEndsAt = now + delay;
    return delay;
  }

  /** Starts over: the next delay is `initialMs` (jittered). */
  reset(): void {
    this.#attempt = 0;
    this.#lastEndsAt = undefined;
  }
}
