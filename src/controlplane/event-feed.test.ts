import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends } from "../testing/databases.ts";
import { EventFeed } from "./event-feed.ts";
import type { NewEvent, StackEvent } from "./store/records.ts";
import type { Store } from "./store/store.ts";

const event = (n: number, stackId: string | null = null): NewEvent => ({
  stackId,
  source: "system",
  type: "ClusterAdded",
  actor: "test",
  data: { n },
});

/** Reads `count` events from a stream (and leaves it open). */
async function take(it: AsyncIterator<StackEvent>, count: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < count) {
    const r = await it.next();
    if (r.done) break;
    ids.push(r.value.id);
  }
  return ids;
}

async function append(store: Store, feed: EventFeed, events: NewEvent[]): Promise<number[]> {
  const written = await store.stacks.record(events);
  feed.wake();
  return written.map((e) => e.id);
}

async function stackId(store: Store, name: string): Promise<string> {
  await store.catalog.ensureCluster("local", "test");
  await store.catalog.syncBuiltins([
    {
      name: "t",
      version: "1",
      description: "",
      baseName: "minecraft-java",
      baseVersion: "1.0.0",
      paramSchema: {},
      defaults: {},
      guardrails: { immutable: [], adoptable: [] },
    },
  ]);
  const { stack } = await store.stacks.create(
    {
      template: "t",
      templateVersion: "1",
      cluster: "local",
      namespace: "ns",
      name,
      params: {},
      drift: { policy: "enforce", ignore: [] },
    },
    "test",
  );
  return stack.id;
}

for (const backend of storeBackends) {
  describe(`event feed on ${backend.name}`, () => {
    it("delivers live events, in order, from now on", async () => {
      const store = await backend.open();
      await store.stacks.record([event(0)]);
      const feed = new EventFeed({ store });
      const stop = new AbortController();
      const it = feed.subscribe({ signal: stop.signal })[Symbol.asyncIterator]();
      const first = it.next(); // registers the subscriber
      await waitSubscribed(feed, 1);
      const ids = await append(store, feed, [event(1), event(2), event(3)]);
      assert.deepEqual([(await first).value?.id, ...(await take(it, 2))], ids);
      stop.abort();
      assert.equal((await it.next()).done, true);
      assert.equal(feed.subscribers, 0);
      feed.close();
    });

    it("is woken by this process's own appends, without waiting for a poll", async () => {
      const store = await backend.open();
      // A poll an hour away: only the store's append notification can deliver in time.
      const feed = new EventFeed({ store, pollMs: 3_600_000 });
      const stop = new AbortController();
      const it = feed.subscribe({ signal: stop.signal })[Symbol.asyncIterator]();
      const first = it.next();
      await waitSubscribed(feed, 1);
      const [written] = await store.stacks.record([event(1)]);
      assert.equal((await first).value?.id, written?.id);
      stop.abort();
      feed.close();
    });

    it("replays from Last-Event-ID then goes live, without a gap or a repeat", async () => {
      const store = await backend.open();
      const before = await store.stacks.record([1, 2, 3, 4, 5].map((n) => event(n)));
      const feed = new EventFeed({ store, pageSize: 2 });
      const stop = new AbortController();
      const from = before[1]?.id ?? 0;
      const it = feed.subscribe({ after: from, signal: stop.signal })[Symbol.asyncIterator]();
      const replayed = await take(it, 3);
      const live = await append(store, feed, [event(6), event(7)]);
      const rest = await take(it, 2);
      assert.deepEqual([...replayed, ...rest], [...before.slice(2).map((e) => e.id), ...live]);
      stop.abort();
      feed.close();
    });

    it("filters by stack", async () => {
      const store = await backend.open();
      const a = await stackId(store, "a");
      const b = await stackId(store, "b");
      const feed = new EventFeed({ store });
      const stop = new AbortController();
      const it = feed.subscribe({ after: 0, stackId: b, signal: stop.signal })[Symbol.asyncIterator]();
      const created = await take(it, 1);
      const ids = await append(store, feed, [event(1, a), event(2, b), event(3, null), event(4, b)]);
      assert.deepEqual([...created, ...(await take(it, 2))].slice(1), [ids[1], ids[3]]);
      stop.abort();
      feed.close();
    });

    it("ends a subscriber that falls behind; it resumes from its last id and loses nothing", async () => {
      const store = await backend.open();
      const feed = new EventFeed({ store, bufferSize: 2 });
      const stop = new AbortController();
      const slow = feed.subscribe({ signal: stop.signal })[Symbol.asyncIterator]();
      const fast = feed.subscribe({ signal: stop.signal })[Symbol.asyncIterator]();
      const slowFirst = slow.next();
      const fastFirst = fast.next();
      await waitSubscribed(feed, 2);
      const ids = await append(store, feed, [event(1)]);
      assert.equal((await slowFirst).value?.id, ids[0]);
      assert.equal((await fastFirst).value?.id, ids[0]);
      // The fast one reads each as it comes; once it has, the tailer has offered it to the slow one too.
      const more: number[] = [];
      for (const n of [2, 3, 4, 5]) {
        const [id] = await append(store, feed, [event(n)]);
        assert.deepEqual(await take(fast, 1), [id]);
        more.push(id as number);
      }
      const got = [ids[0] as number];
      for (;;) {
        const r = await slow.next();
        if (r.done) break;
        got.push(r.value.id);
      }
      assert.deepEqual(got, [ids[0], more[0], more[1]], "what it held, then the end");
      const resumed = feed.subscribe({ after: got.at(-1) as number, signal: stop.signal });
      assert.deepEqual(await take(resumed[Symbol.asyncIterator](), 2), more.slice(2));
      stop.abort();
      feed.close();
    });

    it("close ends every stream", async () => {
      const store = await backend.open();
      const feed = new EventFeed({ store });
      const it = feed.subscribe({ signal: new AbortController().signal })[Symbol.asyncIterator]();
      const pending = it.next();
      await waitSubscribed(feed, 1);
      feed.close();
      assert.equal((await pending).done, true);
    });
  });
}

/** Waits (without a deadline of its own) until the feed has `n` subscribers registered. */
async function waitSubscribed(feed: EventFeed, n: number): Promise<void> {
  while (feed.subscribers < n) await new Promise((r) => setImmediate(r));
}
