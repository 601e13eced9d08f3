import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { QuietWatch } from "./quiet-watch.ts";

function watched(quietMs = 1000): {
  clock: ManualClock;
  watch: QuietWatch;
  calls: number[];
  stop: AbortController;
} {
  const clock = new ManualClock();
  const calls: number[] = [];
  const stop = new AbortController();
  const watch = new QuietWatch({
    quietMs,
    onQuiet: () => void calls.push(clock.now()),
    clock,
    signal: stop.signal,
  });
  return { clock, watch, calls, stop };
}

describe("QuietWatch", () => {
  it("calls once, quietMs after the last touch of a burst", async () => {
    const { clock, watch, calls } = watched();
    watch.touch();
    await clock.advance(400);
    watch.touch();
    await clock.advance(400);
    watch.touch();
    await clock.advance(999);
    assert.deepEqual(calls, []);
    await clock.advance(1);
    assert.deepEqual(calls, [1800]);
    await clock.advance(10_000);
    assert.deepEqual(calls, [1800]);
  });

  it("holds no sleep before the first touch and none once a burst is over", async () => {
    const { clock, watch } = watched();
    assert.equal(clock.pendingSleepers(), 0);
    watch.touch();
    assert.equal(clock.pendingSleepers(), 1);
    await clock.advance(1000);
    assert.equal(clock.pendingSleepers(), 0);
  });

  it("calls again for a later burst", async () => {
    const { clock, watch, calls } = watched();
    watch.touch();
    await clock.advance(1500);
    watch.touch();
    await clock.advance(1000);
    assert.deepEqual(calls, [1000, 2500]);
  });

  it("drops the pending call when stopped, and ignores touches after", async () => {
    const { clock, watch, calls, stop } = watched();
    watch.touch();
    await clock.advance(500);
    stop.abort();
    await clock.advance(5000);
    watch.touch();
    await clock.advance(5000);
    assert.deepEqual(calls, []);
    assert.equal(clock.pendingSleepers(), 0);
  });
});
