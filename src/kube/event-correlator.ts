import { realClock, type Clock } from "../engine/clock.ts";
import { TokenBucket } from "../engine/token-bucket.ts";

/** How an {@link EventCorrelator} groups and limits. Defaults follow client-go's recorder. */
export interface EventCorrelatorOptions {
  readonly clock?: Clock;
  /** Events one object may have at once: 25. */
  readonly burst?: number;
  /** One more Event per object every this long, up to the burst: 5 minutes. */
  readonly refillMs?: number;
  /** A repeat within this long of the previous occurrence joins its series: 10 minutes. */
  readonly seriesWindowMs?: number;
  /** Most series and most per-object buckets remembered; the least recently used go first. 4096. */
  readonly maxEntries?: number;
}

/** One Event and its repeats. The same object is returned for every occurrence of a series. */
export interface EventSeries {
  /** Occurrences so far; 1 for a new Event. */
  readonly count: number;
  readonly firstObservedMs: number;
  readonly lastObservedMs: number;
}

/**
 * What to do with one occurrence: write a `new` Event, update the `repeat`ed Event's series, or
 * drop it because its object has used up its Events (`dropped` counts all drops so far).
 */
export type Correlation =
  | { readonly type: "new" | "repeat"; readonly series: EventSeries }
  | { readonly type: "dropped"; readonly dropped: number };

interface MutableSeries {
  count: number;
  firstObservedMs: number;
  lastObservedMs: number;
}

/**
 * The recorder's decisions, with no I/O: client-go's spam filter (a token bucket per object,
 * burst 25, one more every 5 minutes, taken by every occurrence) and its series (an occurrence
 * identical to one seen within the window counts into that Event instead of making another).
 * Deterministic on its clock. Memory is bounded by `maxEntries`: a forgotten series starts a new
 * Event, a forgotten bucket had refilled already unless the bound was hit.
 */
export class EventCorrelator {
  readonly #clock: Clock;
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #seriesWindowMs: number;
  readonly #maxEntries: number;
  /** By object and event key, least recently seen first. */
  readonly #series = new Map<string, MutableSeries>();
  /** By object key, least recently used first. */
  readonly #buckets = new Map<string, { bucket: TokenBucket; usedMs: number }>();
  #dropped = 0;

  constructor(options: EventCorrelatorOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#burst = options.burst ?? 25;
    this.#refillMs = options.refillMs ?? 5 * 60_000;
    this.#seriesWindowMs = options.seriesWindowMs ?? 10 * 60_000;
    this.#maxEntries = options.maxEntries ?? 4096;
  }

  /** Occurrences dropped by the rate limit so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Decides about one occurrence of the Event `eventKey` (what makes two Events about one object
   * the same: type, reason, action, note…) about the object `objectKey`.
   */
  correlate(objectKey: string, eventKey: string): Correlation {
    const now = this.#clock.now();
    if (!this.#takeToken(objectKey, now)) return { type: "dropped", dropped: ++this.#dropped };
    const key = JSON.stringify([objectKey, eventKey]);
    const seen = this.#series.get(key);
    this.#series.delete(key);
    this.#forgetSeriesBefore(now - this.#seriesWindowMs);
    if (seen !== undefined && now - seen.lastObservedMs <= this.#seriesWindowMs) {
      seen.count++;
      seen.lastObservedMs = now;
      this.#series.set(key, seen);
      return { type: "repeat", series: seen };
    }
    const fresh: MutableSeries = { count: 1, firstObservedMs: now, lastObservedMs: now };
    this.#series.set(key, fresh);
    return { type: "new", series: fresh };
  }

  #takeToken(objectKey: string, now: number): boolean {
    let entry = this.#buckets.get(objectKey);
    this.#buckets.delete(objectKey);
    // A bucket unused for burst × refill is full again: forgetting it changes nothing.
    const fullAfterMs = this.#burst * this.#refillMs;
    for (const [key, e] of this.#buckets) {
      if (now - e.usedMs < fullAfterMs && this.#buckets.size < this.#maxEntries) break;
      this.#buckets.delete(key);
    }
    entry ??= {
      bucket: new TokenBucket({
        ratePerSecond: 1000 / this.#refillMs,
        burst: this.#burst,
        clock: this.#clock,
      }),
      usedMs: now,
    };
    entry.usedMs = now;
    this.#buckets.set(objectKey, entry);
    return entry.bucket.tryTake();
  }

  #forgetSeriesBefore(oldestMs: number): void {
    for (const [key, s] of this.#series) {
      if (s.lastObservedMs >= oldestMs && this.#series.size < this.#maxEntries) break;
      this.#series.delete(key);
    }
  }
}
