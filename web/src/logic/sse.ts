/**
 * A parser for Server-Sent Events as the HTML standard defines the stream
 * format: fed text chunks as they arrive (split anywhere, even inside a line),
 * it returns the complete events. The UI reads streams with fetch rather than
 * EventSource so the token travels in the Authorization header and events of
 * every name arrive through one callback.
 */

/** One dispatched event. `id` is the last event id seen so far (ids persist across events). */
export interface SseEvent {
  readonly id: string;
  readonly event: string;
  readonly data: string;
}

/** Incremental SSE parser; keep one per connection. */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #lastId = "";

  /** The last event id seen (for Last-Event-ID when reconnecting). */
  get lastEventId(): string {
    return this.#lastId;
  }

  /** Feeds a chunk of text and returns the events it completed, in order. */
  push(chunk: string): SseEvent[] {
    this.#buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.#buffer);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (!m || (m[0] === "\r" && m.index === this.#buffer.length - 1)) break;
      const line = this.#buffer.slice(0, m.index);
      this.#buffer = this.#buffer.slice(m.index + m[0].length);
      const done = this.#line(line);
      if (done) out.push(done);
    }
    return out;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") {
      const data = this.#data;
      const event = this.#event;
      this.#data = [];
      this.#event = "";
      if (data.length === 0) return undefined;
      return { id: this.#lastId, event: event || "message", data: data.join("\n") };
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#lastId = value;
    return undefined;
  }
}

/** The wait before reconnect attempt `n` (0-based): 500 ms doubling to 15 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.max(0, attempt));
}
