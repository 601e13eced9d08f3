import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { TokenBucket } from "./token-bucket.ts";

describe("TokenBucket", () => {
  it("allows a burst, then one token per 1/rate seconds", async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, clock });
    assert.deepEqual(
      [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()],
      [true, true, true, false],
    );
    await clock.advance(99);
    assert.equal(bucket.tryTake(), false);
    await clock.advance(1);
    assert.equal(bucket.tryTake(), true);
  });

  it("never holds more than the burst", async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2, clock });
    await clock.advance(60_000);
    assert.deepEqual([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()], [true, true, false]);
  });

  it("serves waiting takers in order, one per interval", async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 1, clock });
    const served: Array<[string, number]> = [];
    const take = (name: string): Promise<void> =>
      bucket.take().then(() => void served.push([name, clock.now()]));
    const all = Promise.all([take("a"), take("b"), take("c")]);
    await clock.advance(1000);
    await all;
    assert.deepEqual(served, [
      ["a", 0],
      ["b", 250],
      ["c", 500],
    ]);
  });

  it("does not let tryTake jump ahead of a waiter", async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1, clock });
    assert.equal(bucket.tryTake(), true);
    const waiting = bucket.take();
    await clock.advance(100);
    await waiting;
    assert.equal(bucket.tryTake(), false);
  });

  it("gives the token back when a waiting take is aborted", async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1, clock });
    assert.equal(bucket.tryTake(), true);
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, /stop/);
    await clock.advance(100);
    assert.equal(bucket.tryTake(), true);
    assert.equal(clock.pendingSleepers(), 0);
  });

  it("defaults to client-go's 10 per second with a burst of 100", () => {
    const bucket = new TokenBucket({ clock: new ManualClock() });
    const taken = Array.from({ length: 101 }, () => bucket.tryTake()).filter(Boolean).length;
    assert.equal(taken, 100);
  });
});
