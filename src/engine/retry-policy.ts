import type { ErrorClass } from "./errors.ts";

/**
 * How long a failing key waits before its next try, by error class and number of consecutive
 * failures. Pure: the controller adds jitter and keeps the counts.
 */
export interface RetryPolicy {
  /** The delay before jitter; `consecutiveFailures` counts from 1. */
  delayMs(errorClass: ErrorClass, consecutiveFailures: number): number;
  /**
   * After this many consecutive failures the resource is reported Failed (with its retry count); it
   * keeps retrying at its class's cap.
   */
  readonly failedAfter: number;
}

/** The numbers behind a {@link RetryPolicy} made by {@link retryPolicy}. */
export interface RetryPolicyOptions {
  /** Transient errors: `initialMs`, multiplied by `factor` per failure, capped at `maxMs`. */
  readonly transient: { readonly initialMs: number; readonly factor: number; readonly maxMs: number };
  /** Unknown errors: a fixed delay. */
  readonly unknownMs: number;
  /** Permanent errors: `firstMs` after the first failure, then `thenMs`. */
  readonly permanent: { readonly firstMs: number; readonly thenMs: number };
  readonly failedAfter: number;
}

/** Transient 10 s doubling to 60 s; unknown 2 min; permanent 5 min then 10 min; Failed after 5. */
export const defaultRetryPolicyOptions: RetryPolicyOptions = {
  transient: { initialMs: 10_000, factor: 2, maxMs: 60_000 },
  unknownMs: 120_000,
  permanent: { firstMs: 300_000, thenMs: 600_000 },
  failedAfter: 5,
};

/** A {@link RetryPolicy} from explicit numbers. */
export function retryPolicy(options: RetryPolicyOptions): RetryPolicy {
  return {
    failedAfter: options.failedAfter,
    delayMs(errorClass: ErrorClass, consecutiveFailures: number): number {
      const n = Math.max(1, Math.floor(consecutiveFailures));
      switch (errorClass) {
        case "transient": {
          const { initialMs, factor, maxMs } = options.transient;
          return Math.min(initialMs * factor ** (n - 1), maxMs);
        }
        case "unknown":
          return options.unknownMs;
        case "permanent":
          return n === 1 ? options.permanent.firstMs : options.permanent.thenMs;
      }
    },
  };
}

/** The policy every controller uses unless told otherwise: {@link defaultRetryPolicyOptions}. */
export const defaultRetryPolicy: RetryPolicy = retryPolicy(defaultRetryPolicyOptions);

/**
 * `ms` spread by ±`fraction` (multiplicative) using `random` in [0, 1), rounded to whole
 * milliseconds and never negative. Spreads retries of many keys that failed together.
 */
export function jittered(ms: number, random: () => number, fraction = 0.1): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}
