import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { WorkQueue, type WorkQueueMetrics } from "./work-queue.ts";

/** Takes every key queued now, marking each done. */
async function drainKeys(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    assert.ok(key !== undefined);
    keys.push(key);
    queue.done(key);
  }
  return keys;
}

describe("WorkQueue", () => {
  it("collapses duplicate adds of a queued key", async () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    for (const key of ["a", "b", "a", "a", "c", "b"]) queue.add(key);
    assert.equal(queue.len(), 3);
    assert.deepEqual(await drainKeys(queue), ["a", "b", "c"]);
  });

  it("never hands out a key that is held, and re-queues it once when done", async () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    queue.add("a");
    const held = await queue.get();
    assert.equal(held, "a");
    queue.add("a");
    queue.add("a");
    assert.equal(queue.len(), 0, "a held key added again is dirty, not queued");
    const controller = new AbortController();
    const next = queue.get(controller.signal);
    queue.add("b");
    assert.equal(await next, "b");
    queue.done("a");
    assert.equal(queue.len(), 1);
    assert.equal(await queue.get(), "a");
    queue.done("a");
    queue.done("b");
    assert.equal(queue.len(), 0);
  });

  it("hands a waiting get the next added key", async () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    const first = queue.get();
    const second = queue.get();
    queue.add("x");
    queue.add("y");
    assert.deepEqual(await Promise.all([first, second]), ["x", "y"]);
  });

  it("resolves a waiting get with undefined when its signal aborts", async () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    const controller = new AbortController();
    const got = queue.get(controller.signal);
    controller.abort();
    assert.equal(await got, undefined);
    queue.add("a");
    assert.equal(queue.len(), 1, "the aborted get took nothing");
  });

  const priorityCases: Array<[string, Array<[string, "change" | "resync"]>, string[]]> = [
    [
      "serves changes before resyncs",
      [
        ["r1", "resync"],
        ["c1", "change"],
        ["r2", "resync"],
        ["c2", "change"],
      ],
      ["c1", "c2", "r1", "r2"],
    ],
    [
      "raises a queued resync to a change",
      [
        ["r1", "resync"],
        ["c1", "change"],
        ["r1", "change"],
      ],
      ["c1", "r1"],
    ],
    [
      "does not lower a queued change to a resync",
      [
        ["c1", "change"],
        ["r1", "resync"],
        ["c1", "resync"],
      ],
      ["c1", "r1"],
    ],
  ];
  for (const [name, adds, expected] of priorityCases) {
    it(name, async () => {
      const queue = new WorkQueue({ clock: new ManualClock() });
      for (const [key, priority] of adds) queue.add(key, { priority });
      assert.deepEqual(await drainKeys(queue), expected);
    });
  }

  it("serves one resync after every 10 changes while resyncs wait", async () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    for (let i = 0; i < 3; i++) queue.add(`r${i}`, { priority: "resync" });
    for (let i = 0; i < 25; i++) queue.add(`c${i}`);
    const order = await drainKeys(queue);
    assert.deepEqual(
      order.map((k, i) => [k, i]).filter(([k]) => String(k).startsWith("r")),
      [
        ["r0", 10],
        ["r1", 21],
        ["r2", 27],
      ],
    );
  });

  it("keeps a re-added held key's raised priority when it is re-queued", async () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    queue.add("a", { priority: "resync" });
    assert.equal(await queue.get(), "a");
    queue.add("a", { priority: "resync" });
    queue.add("a", { priority: "change" });
    queue.add("r", { priority: "resync" });
    queue.done("a");
    assert.deepEqual(await drainKeys(queue), ["a", "r"]);
  });

  it("adds a key after a delay on the clock", async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter("a", 1000);
    await clock.advance(999);
    assert.equal(queue.len(), 0);
    await clock.advance(1);
    assert.equal(queue.len(), 1);
  });

  const delayCases: Array<[string, number[], number]> = [
    ["an earlier delayed add replaces a later one", [5000, 1000], 1000],
    ["a later delayed add is ignored", [1000, 5000], 1000],
  ];
  for (const [name, delays, expectedAt] of delayCases) {
    it(name, async () => {
      const clock = new ManualClock();
      const queue = new WorkQueue({ clock });
      for (const ms of delays) queue.addAfter("a", ms);
      let addedAt: number | undefined;
      for (let t = 0; t <= 6000 && addedAt === undefined; t += 500) {
        if (queue.len() > 0) addedAt = clock.now();
        else await clock.advance(500);
      }
      assert.equal(addedAt, expectedAt);
      assert.deepEqual(await drainKeys(queue), ["a"]);
      await clock.advance(10_000);
      assert.equal(queue.len(), 0, "the replaced delayed add never fires");
      assert.equal(clock.pendingSleepers(), 0);
    });
  }

  it("adds at once for a zero delay, leaving a waiting delayed add in place (as client-go does)", async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter("a", 5000);
    queue.addAfter("a", 0);
    assert.deepEqual(await drainKeys(queue), ["a"]);
    await clock.advance(5000);
    assert.deepEqual(await drainKeys(queue), ["a"]);
  });

  it("counts failures per key until forgotten", () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    assert.deepEqual(
      [queue.recordFailure("a"), queue.recordFailure("a"), queue.recordFailure("b")],
      [1, 2, 1],
    );
    queue.forget("a");
    assert.deepEqual([queue.failures("a"), queue.failures("b")], [0, 1]);
  });

  it("after shutdown, returns undefined from get, ignores adds and drops delayed adds", async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    const waiting = queue.get();
    queue.addAfter("later", 1000);
    queue.shutdown();
    assert.equal(await waiting, undefined);
    queue.add("a");
    assert.equal(queue.len(), 0);
    assert.equal(await queue.get(), undefined);
    assert.equal(clock.pendingSleepers(), 0);
  });

  it("drains on shutdown: resolves only when every held key is done, without re-queuing dirty keys", async () => {
    const queue = new WorkQueue({ clock: new ManualClock() });
    queue.add("a");
    queue.add("b");
    const [a, b] = [await queue.get(), await queue.get()];
    assert.deepEqual([a, b], ["a", "b"]);
    queue.add("a");
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    const again = queue.shutDownWithDrain();
    queue.done("a");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    queue.done("b");
    await Promise.all([drain, again]);
    assert.equal(queue.len(), 0);
  });

  it("reports depth, adds, queue and work durations, and retries", async () => {
    const clock = new ManualClock();
    const seen: Record<string, number[]> = { depth: [], added: [], queued: [], worked: [], retried: [] };
    const metrics: WorkQueueMetrics = {
      depth: (n) => seen.depth?.push(n),
      added: () => seen.added?.push(1),
      queued: (s) => seen.queued?.push(s),
      worked: (s) => seen.worked?.push(s),
      retried: () => seen.retried?.push(1),
    };
    const queue = new WorkQueue({ clock, metrics });
    queue.add("a");
    queue.add("a");
    await clock.advance(2000);
    const key = await queue.get();
    assert.equal(key, "a");
    await clock.advance(500);
    queue.recordFailure("a");
    queue.done("a");
    assert.deepEqual(seen, { depth: [1, 0], added: [1, 1], queued: [2], worked: [0.5], retried: [1] });
  });
});
