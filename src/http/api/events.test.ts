import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewEvent } from "../../controlplane/store/records.ts";
import { storeBackends } from "../../testing/databases.ts";
import { startTestApi, stackBody, type TestApi } from "../test-api.ts";

/** One SSE frame as a client sees it: a comment, or an event with id, type and data. */
interface Frame {
  readonly comment?: string;
  readonly retry?: number;
  readonly id?: number;
  readonly event?: string;
  readonly data?: string;
}

/** An open SSE connection read frame by frame. */
interface Stream {
  readonly status: number;
  readonly contentType: string | null;
  next(): Promise<Frame | undefined>;
  close(): void;
}

async function connect(url: string, headers: Record<string, string>): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    async next() {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Record<string, string | number> = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) frame["comment"] = line.slice(1).trim();
            const m = /^(id|event|data|retry): ?(.*)$/.exec(line);
            if (m?.[1] && m[2] !== undefined)
              frame[m[1]] = m[1] === "id" || m[1] === "retry" ? Number(m[2]) : m[2];
          }
          return frame;
        }
        const chunk = await reader?.read().catch(() => undefined);
        if (!chunk || chunk.done) return undefined;
        buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
      }
    },
    close: () => abort.abort(),
  };
}

/** The ids of the next `n` event frames (skipping comments and the retry hint). */
async function eventIds(stream: Stream, n: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < n) {
    const f = await stream.next();
    if (!f) break;
    if (f.id !== undefined) {
      assert.equal((JSON.parse(f.data ?? "{}") as { id: number }).id, f.id);
      ids.push(f.id);
    }
  }
  return ids;
}

interface EventPage {
  items: Array<{ id: number }>;
  nextBefore: number | null;
  nextAfter: number | null;
}

const note = (n: number, stackId: string | null = null): NewEvent => ({
  stackId,
  source: "system",
  type: "PhaseChanged",
  actor: "test",
  data: { n },
});

async function append(api: TestApi, events: NewEvent[]): Promise<number[]> {
  const written = await api.store.stacks.record(events);
  api.feed.wake();
  return written.map((e) => e.id);
}

for (const backend of storeBackends) {
  describe(`events API on ${backend.name}`, () => {
    it("pages through history backwards and forwards, filtered by type", async () => {
      const api = await startTestApi(await backend.open());
      const r = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody("paged") });
      const stackId = r.json<{ id: string }>().id;
      const mine = await append(
        api,
        [1, 2, 3, 4, 5].map((n) => note(n, stackId)),
      );
      const all = (await api.store.events({ after: 0, limit: 1000 })).map((e) => e.id);
      const walk = async (first: string, key: "nextBefore" | "nextAfter"): Promise<number[]> => {
        const ids: number[] = [];
        let url: string | null = first;
        while (url) {
          const page: EventPage = (await api.call("GET", url, { as: "viewer" })).json<EventPage>();
          ids.push(...page.items.map((e) => e.id));
          const next = page[key];
          const base = first.split("?")[0] ?? "";
          const param = key === "nextBefore" ? "before" : "after";
          url =
            page.items.length > 0 && next !== null
              ? `${base}?limit=2&${param}=${next}${first.includes("type=") ? "&type=PhaseChanged" : ""}`
              : null;
        }
        return ids;
      };
      assert.deepEqual(await walk("/api/v1/events?limit=2", "nextBefore"), [...all].reverse());
      assert.deepEqual(await walk("/api/v1/events?limit=2&after=0", "nextAfter"), all);
      const stackEvents = await walk(
        `/api/v1/stacks/${stackId}/events?limit=2&after=0&type=PhaseChanged`,
        "nextAfter",
      );
      assert.deepEqual(stackEvents, mine);
      const both = await api.call("GET", "/api/v1/events?before=5&after=1", { as: "viewer" });
      assert.equal(both.statusCode, 422);
      const missing = await api.call("GET", "/api/v1/stacks/00000000-0000-0000-0000-000000000000/events", {
        as: "viewer",
      });
      assert.equal(missing.statusCode, 404);
    });

    it("SSE resumes after a dropped connection without losing or repeating an event", async () => {
      const api = await startTestApi(await backend.open());
      const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
      const auth = { authorization: `Bearer ${api.tokens.viewer}` };
      const start = await api.store.lastEventId();
      const first = await connect(`${base}/api/v1/events/stream`, {
        ...auth,
        "last-event-id": String(start),
      });
      assert.equal(first.status, 200);
      assert.match(first.contentType ?? "", /^text\/event-stream/);
      const hint = await first.next();
      assert.ok(hint?.retry !== undefined && hint.retry > 0, "a retry hint comes first");
      const before = await append(api, [note(1), note(2), note(3)]);
      const seenFirst = await eventIds(first, 3);
      first.close();
      const whileAway = await append(api, [note(4), note(5), note(6), note(7)]);
      const second = await connect(`${base}/api/v1/events/stream`, {
        ...auth,
        "last-event-id": String(seenFirst.at(-1)),
      });
      const later = await append(api, [note(8), note(9)]);
      const seenSecond = await eventIds(second, 6);
      second.close();
      assert.deepEqual([...seenFirst, ...seenSecond], [...before, ...whileAway, ...later]);
    });

    it("a stack's stream starts from ?lastEventId with ?access_token (EventSource) and holds only that stack", async () => {
      const api = await startTestApi(await backend.open());
      const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
      const ids: string[] = [];
      for (const name of ["one", "two"]) {
        const r = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody(name) });
        ids.push(r.json<{ id: string }>().id);
      }
      const [one, two] = ids as [string, string];
      const written = await append(api, [note(1, one), note(2, two), note(3, one)]);
      const s = await connect(
        `${base}/api/v1/stacks/${one}/events/stream?lastEventId=0&access_token=${api.tokens.viewer}`,
        {},
      );
      assert.equal(s.status, 200);
      const created = (await api.store.events({ stackId: one, after: 0, limit: 1 }))[0]?.id;
      assert.deepEqual(await eventIds(s, 3), [created, written[0], written[2]]);
      s.close();
      const unknown = await fetch(
        `${base}/api/v1/stacks/00000000-0000-0000-0000-000000000000/events/stream`,
        {
          headers: { authorization: `Bearer ${api.tokens.viewer}` },
        },
      );
      assert.equal(unknown.status, 404);
      const bad = await fetch(`${base}/api/v1/events/stream`, {
        headers: { authorization: `Bearer ${api.tokens.viewer}`, "last-event-id": "yesterday" },
      });
      assert.equal(bad.status, 400);
    });

    it("a stream opened without Last-Event-ID delivers every event appended once its headers arrived", async () => {
      const api = await startTestApi(await backend.open());
      const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
      const before = await append(api, [note(1)]);
      const s = await connect(`${base}/api/v1/events/stream`, {
        authorization: `Bearer ${api.tokens.viewer}`,
      });
      assert.equal(s.status, 200);
      // Appended right after the answer, before the first frame is read: the client's list read
      // would come here, so the stream must carry this event.
      const after = await append(api, [note(2), note(3)]);
      assert.deepEqual(await eventIds(s, 2), after);
      s.close();
      assert.ok(after[0]! > before[0]!);
    });

    it("SSE sends keep-alive pings while nothing happens", async () => {
      const api = await startTestApi(await backend.open(), { pingMs: 20 });
      const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
      const s = await connect(`${base}/api/v1/events/stream`, {
        authorization: `Bearer ${api.tokens.viewer}`,
      });
      let pings = 0;
      while (pings < 2) {
        const f = await s.next();
        assert.ok(f, "the stream stays open");
        assert.equal(f.id, undefined, "no events, only pings");
        if (f.comment === "ping") pings++;
      }
      s.close();
    });
  });
}
