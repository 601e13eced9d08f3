/**
 * Live events for the API's streams: one tailer per process reads
 * `stack_events` after the last id it has seen and fans each event out to
 * every subscriber, so a thousand open streams cost one query per poll.
 */
import { realClock, type Clock } from "../engine/clock.ts";
import type { StackEvent } from "./store/records.ts";
import type { Store } from "./store/store.ts";

/** How the feed reads and buffers; every field has a default. */
export interface EventFeedOptions {
  readonly store: Store;
  /** How long the tailer waits between reads when nobody calls {@link EventFeed.wake} (250 ms). */
  readonly pollMs?: number;
  /** Live events a subscriber may have unread before its stream is ended (1,000). */
  readonly bufferSize?: number;
  /** Events per read, for the tailer and for replays (500). */
  readonly pageSize?: number;
  readonly clock?: Clock;
  /** Told when a read fails (the tailer retries on the next poll). */
  readonly onError?: (e: unknown) => void;
}

/** What a subscriber wants. */
export interface Subscription {
  /** Start after this event id (a `Last-Event-ID`); without it, only events appended from now on. */
  readonly after?: number;
  /** Only this stack's events. */
  readonly stackId?: string;
  /** Ends the stream. */
  readonly signal: AbortSignal;
}

/** One subscriber's queue of live events, bounded: it overflows instead of growing. */
class Inbox {
  readonly stackId: string | undefined;
  readonly #limit: number;
  readonly #queue: StackEvent[] = [];
  #waiter: (() => void) | undefined;
  /** Events up to this id reached the subscriber another way (the replay): never queued. */
  #floor = 0;
  /** Set when the stream must end: aborted, overflowed or the feed closed. */
  ended = false;

  constructor(stackId: string | undefined, limit: number) {
    this.stackId = stackId;
    this.#limit = limit;
  }

  push(e: StackEvent): void {
    if (this.ended || e.id <= this.#floor || (this.stackId !== undefined && e.stackId !== this.stackId))
      return;
    if (this.#queue.length >= this.#limit) this.end();
    else this.#queue.push(e);
    this.#wakeUp();
  }

  end(): void {
    this.ended = true;
    this.#wakeUp();
  }

  /**
   * The subscriber has every event up to `id` (from the replay): drops them
   * from the queue, so they take no room there, and refuses them later.
   */
  skipThrough(id: number): void {
    this.#floor = Math.max(this.#floor, id);
    while ((this.#queue[0]?.id ?? Infinity) <= this.#floor) this.#queue.shift();
  }

  /** The next queued event; undefined once the queue is drained and the inbox ended. */
  async next(): Promise<StackEvent | undefined> {
    for (;;) {
      const e = this.#queue.shift();
      if (e) return e;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  #wakeUp(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }
}

/**
 * The process's event feed. Guarantees, for each stream from
 * {@link EventFeed.subscribe}: events come in id order, none is repeated, and
 * none committed after the stream's start point is skipped (events become
 * visible in id order, see store/event-store.ts). A subscriber that falls more
 * than `bufferSize` live events behind has its stream ended after what it
 * already holds; it resumes from the last id it received and loses nothing.
 */
export class EventFeed {
  readonly #store: Store;
  readonly #pollMs: number;
  readonly #bufferSize: number;
  readonly #pageSize: number;
  readonly #clock: Clock;
  readonly #onError: (e: unknown) => void;
  readonly #inboxes = new Set<Inbox>();
  readonly #stop = new AbortController();
  /** Aborted by {@link EventFeed.wake} to cut the tailer's wait short. */
  #nap = new AbortController();
  #lastSeen = 0;
  readonly #started: Promise<void>;

  /** Starts the tailer at the newest event; it runs until {@link EventFeed.close}. */
  constructor(options: EventFeedOptions) {
    this.#store = options.store;
    this.#pollMs = options.pollMs ?? 250;
    this.#bufferSize = options.bufferSize ?? 1000;
    this.#pageSize = options.pageSize ?? 500;
    this.#clock = options.clock ?? realClock;
    this.#onError = options.onError ?? (() => undefined);
    // Events appended by this process wake the tailer at once; others' arrive by the poll.
    const unsubscribe = this.#store.onAppend(() => this.wake());
    this.#stop.signal.addEventListener("abort", () => void unsubscribe(), { once: true });
    this.#started = this.#start();
  }

  /** Reads new events now instead of at the next poll (call it after appending). */
  wake(): void {
    this.#nap.abort();
  }

  /** Stops the tailer and ends every open stream. */
  close(): void {
    this.#stop.abort();
    this.#nap.abort();
    for (const inbox of this.#inboxes) inbox.end();
  }

  /** How many streams are open. */
  get subscribers(): number {
    return this.#inboxes.size;
  }

  /**
   * A stream of events: first those already stored after `after` (read from
   * the store, page by page), then live ones from the tailer. Ends when
   * `signal` aborts, the feed closes or the subscriber overflows.
   */
  async *subscribe(s: Subscription): AsyncGenerator<StackEvent, void, undefined> {
    // Only once the tailer knows where it starts is every later event sure to reach the inbox.
    await this.#started;
    if (s.signal.aborted || this.#stop.signal.aborted) return;
    // "From now on" is fixed before the stream counts as subscribed, so an event appended once
    // `subscribers` includes it is always delivered. Events committed between this read and the
    // inbox joining the tailer are not lost: the replay below reads everything after the cursor.
    let cursor = s.after ?? (await this.#store.lastEventId());
    const inbox = new Inbox(s.stackId, this.#bufferSize);
    this.#inboxes.add(inbox);
    const onAbort = (): void => inbox.end();
    s.signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const page = await this.#store.events({
          after: cursor,
          limit: this.#pageSize,
          ...(s.stackId !== undefined ? { stackId: s.stackId } : {}),
        });
        for (const e of page) {
          if (s.signal.aborted) return;
          cursor = e.id;
          inbox.skipThrough(cursor);
          yield e;
        }
        if (page.length < this.#pageSize) break;
      }
      for (;;) {
        const e = await inbox.next();
        if (!e || s.signal.aborted) return;
        if (e.id <= cursor) continue;
        cursor = e.id;
        yield e;
      }
    } finally {
      s.signal.removeEventListener("abort", onAbort);
      this.#inboxes.delete(inbox);
    }
  }

  async #start(): Promise<void> {
    for (;;) {
      try {
        this.#lastSeen = await this.#store.lastEventId();
        break;
      } catch (e: unknown) {
        this.#onError(e);
        if (!(await this.#sleep())) return;
      }
    }
    void this.#tail();
  }

  async #tail(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        await this.#readAll();
      } catch (e: unknown) {
        this.#onError(e);
      }
      if (!(await this.#sleep())) return;
    }
  }

  async #readAll(): Promise<void> {
    for (;;) {
      const page = await this.#store.events({ after: this.#lastSeen, limit: this.#pageSize });
      for (const e of page) {
        this.#lastSeen = e.id;
        for (const inbox of this.#inboxes) inbox.push(e);
      }
      if (page.length < this.#pageSize) return;
    }
  }

  /** Waits a poll interval or until woken; false once the feed is closed. */
  async #sleep(): Promise<boolean> {
    if (this.#stop.signal.aborted) return false;
    if (!this.#nap.signal.aborted) {
      await this.#clock.sleep(this.#pollMs, this.#nap.signal).catch(() => undefined);
    }
    this.#nap = new AbortController();
    return !this.#stop.signal.aborted;
  }
}
