import { type Clock, realClock } from "./clock.ts";

/** How a {@link QuietWatch} is made. */
export interface QuietWatchOptions {
  /** How long no work must be done before `onQuiet` is called. */
  readonly quietMs: number;
  /** Called once per burst of work, `quietMs` after its last {@link QuietWatch.touch}. */
  readonly onQuiet: () => void;
  readonly clock?: Clock;
  /** Stops the watch: a pending call is dropped, and later touches do nothing. */
  readonly signal?: AbortSignal;
}

/**
 * Tells when a burst of work is over: {@link QuietWatch.touch} after each piece of work, and
 * `onQuiet` is called once no touch has come for `quietMs`. Then nothing until the next touch.
 *
 * It holds one sleep while a burst lasts and none once it is over, so a process left alone is never
 * woken by it. The manager uses it to give V8's heap back after reconciles stop (operator/manager.ts).
 */
export class QuietWatch {
  readonly #options: QuietWatchOptions;
  readonly #clock: Clock;
  #lastTouch = 0;
  #armed = false;

  constructor(options: QuietWatchOptions) {
    this.#options = options;
    this.#clock = options.clock ?? realClock;
  }

  /** Work was done now: `onQuiet` comes `quietMs` after the last of these. */
  touch(): void {
    if (this.#options.signal?.aborted) return;
    this.#lastTouch = this.#clock.now();
    if (this.#armed) return;
    this.#armed = true;
    void this.#wait();
  }

  async #wait(): Promise<void> {
    const { quietMs, signal } = this.#options;
    try {
      for (let left = quietMs; left > 0; left = this.#lastTouch + quietMs - this.#clock.now())
        await this.#clock.sleep(left, signal);
    } catch {
      // Stopped: the burst's call is dropped.
      return;
    } finally {
      this.#armed = false;
    }
    this.#options.onQuiet();
  }
}
