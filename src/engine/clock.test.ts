import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ManualClock, realClock } from "./clock.ts";

describe("ManualClock", () => {
  it("fires due sleepers in time order and moves now() to each wake-up time", async () => {
    const clock = new ManualClock(1000);
    const woke: Array<[string, number]> = [];
    const sleep = (name: string, ms: number): Promise<void> =>
      clock.sleep(ms).then(() => {
        woke.push([name, clock.now()]);
      });
    const all = Promise.all([sleep("c", 300), sleep("a", 100), sleep("b", 200), sleep("late", 1000)]);
    await clock.advance(500);
    assert.deepEqual(woke, [
      ["a", 1100],
      ["b", 1200],
      ["c", 1300],
    ]);
    assert.equal(clock.now(), 1500);
    assert.equal(clock.pendingSleepers(), 1);
    await clock.advance(500);
    await all;
    assert.deepEqual(woke.at(-1), ["late", 2000]);
  });

  it("fires a sleep started by a woken task when it falls due within the same advance", async () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const chain = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        times.push(clock.now());
      }
    })();
    await clock.advance(250);
    assert.deepEqual(times, [100, 200]);
    await clock.advance(50);
    await chain;
    assert.deepEqual(times, [100, 200, 300]);
  });

  it("rejects with the signal's reason when aborted, and forgets the sleeper", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const slept = clock.sleep(100, controller.signal);
    assert.equal(clock.pendingSleepers(), 1);
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(slept, (e) => e === reason);
    assert.equal(clock.pendingSleepers(), 0);
  });

  it("resolves a zero sleep without an advance", async () => {
    const clock = new ManualClock();
    await clock.sleep(0);
    assert.equal(clock.pendingSleepers(), 0);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const clock = new ManualClock();
    const reason = new Error("already");
    await assert.rejects(clock.sleep(10, AbortSignal.abort(reason)), (e) => e === reason);
    assert.equal(clock.pendingSleepers(), 0);
  });
});

describe("realClock", () => {
  it("rejects with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const slept = realClock.sleep(60_000, controller.signal);
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(slept, (e) => e === reason);
  });

  it("takes delays longer than setTimeout's limit without firing at once", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on("warning", onWarning);
    const controller = new AbortController();
    let settled = false;
    const slept = realClock.sleep(2 ** 33, controller.signal).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(settled, false);
    controller.abort(new Error("stop"));
    await assert.rejects(slept, /stop/);
    process.off("warning", onWarning);
    assert.deepEqual(warnings, []);
  });

  it("resolves a zero sleep", async () => {
    await realClock.sleep(0);
  });
});
