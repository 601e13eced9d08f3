import { type Clock, realClock } from "./clock.ts";

/** The shape of a {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. Default 10, client-go's default for controllers. */
  readonly ratePerSecond?: number;
  /** Most tokens held at once, and what a fresh bucket starts with. Default 100. */
  readonly burst?: number;
  readonly clock?: Clock;
}

/**
 * A global rate limiter: on average `ratePerSecond` takes per second, with bursts of up to `burst`.
 * Waiting takers are served first come, first served: each reserves the next token when it asks
 * (like Go's `rate.Limiter`), so a steady stream cannot starve an earlier waiter.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #clock: Clock;
  /** Tokens at `#at`; negative when waiters have reserved tokens not yet refilled. */
  #tokens: number;
  #at: number;

  constructor(options: TokenBucketOptions = {}) {
    const ratePerSecond = options.ratePerSecond ?? 10;
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = Math.max(1, options.burst ?? 100);
    this.#clock = options.clock ?? realClock;
    this.#tokens = this.#burst;
    this.#at = this.#clock.now();
  }

  /**
   * Resolves when a token is had, waiting on the clock if needed. Rejects with the signal's reason
   * if aborted first, and then gives its reserved token back.
   */
  async take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens >= 0) return;
    const waitMs = Math.ceil(-this.#tokens / this.#ratePerMs);
    try {
      await this.#clock.sleep(waitMs, signal);
    } catch (e) {
      this.#refill();
      this.#tokens = Math.min(this.#burst, this.#tokens + 1);
      throw e;
    }
  }

  /** Takes a token if one is there now; never waits, and never jumps ahead of a waiting taker. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#ratePerMs);
    this.#at = now;
  }
}
