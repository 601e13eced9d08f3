/**
 * Time as the engine sees it. Everything that waits or measures durations takes a {@link Clock}, so
 * tests run on a {@link ManualClock} and never wait for real time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (or since the start of a manual clock). */
  now(): number;
  /**
   * Resolves once `ms` milliseconds have passed on this clock. Rejects with `signal.reason` when
   * the signal is aborted first (at once if it already is), and then holds no timer.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The longest delay `setTimeout` takes; longer ones fire at once with a warning, so they are chained. */
const maxTimeoutMs = 2 ** 31 - 1;

/** The wall clock: `Date.now()` and `setTimeout` (delays of any length). */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const wakeAt = Date.now() + Math.max(0, ms);
      let timer: ReturnType<typeof setTimeout>;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      const arm = (): void => {
        const left = wakeAt - Date.now();
        timer = setTimeout(
          () => {
            if (left > maxTimeoutMs) return arm();
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
          Math.min(Math.max(0, left), maxTimeoutMs),
        );
      };
      arm();
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock that moves only when told to. `advance` fires due sleepers one at a time in time order
 * (ties in the order they started sleeping), sets `now()` to each one's wake-up time, and lets the
 * woken code run before firing the next, so a sleeper started by a woken task is fired in the same
 * `advance` when it falls due within it. A sleep of zero or less resolves without waiting for `advance`.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #sleepers = new Set<Sleeper>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      if (ms <= 0) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        this.#sleepers.delete(sleeper);
        reject(abortReason(signal));
      };
      const sleeper: Sleeper = {
        at: this.#now + ms,
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Moves time forward by `ms`, firing every sleeper that falls due, and lets woken code settle. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > target) break;
      this.#sleepers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
    await settle();
  }

  /** Lets pending promise continuations run without moving time. */
  async settle(): Promise<void> {
    await settle();
  }

  /** How many sleeps are waiting to be fired. */
  pendingSleepers(): number {
    return this.#sleepers.size;
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      if (best === undefined || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    }
    return best;
  }
}

/** A few macrotask turns: each drains the whole microtask queue, and some code hops via setImmediate. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * What `signal.abort(reason)` was given, as fetch and node:timers reject with it. Typed as Error
 * because `abort()` without a reason gives a DOMException and callers pass Errors.
 */
function abortReason(signal: AbortSignal | undefined): Error {
  return (
    (signal?.reason as Error | undefined) ?? new DOMException("This operation was aborted", "AbortError")
  );
}
