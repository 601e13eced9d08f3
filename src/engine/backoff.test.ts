import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Backoff, controlPlaneBackoffOptions, watchBackoffOptions } from "./backoff.ts";
import { ManualClock } from "./clock.ts";

const noJitter = (): number => 0.5;

function delays(backoff: Backoff, n: number): number[] {
  return Array.from({ length: n }, () => backoff.next());
}

describe("Backoff", () => {
  const cases: Array<[string, { initialMs: number; maxMs: number; factor?: number }, number[]]> = [
    ["doubles from the initial delay", { initialMs: 100, maxMs: 10_000 }, [100, 200, 400, 800, 1600]],
    ["stays at the cap", { initialMs: 100, maxMs: 500 }, [100, 200, 400, 500, 500, 500]],
    ["grows by the given factor", { initialMs: 10, maxMs: 1000, factor: 3 }, [10, 30, 90, 270, 810, 1000]],
  ];
  for (const [name, options, expected] of cases) {
    it(name, () => {
      const backoff = new Backoff({ ...options, clock: new ManualClock(), random: noJitter });
      assert.deepEqual(delays(backoff, expected.length), expected);
    });
  }

  it("follows kube-rs's watcher sequence with the watch preset", () => {
    const backoff = new Backoff({ ...watchBackoffOptions, clock: new ManualClock(), random: noJitter });
    assert.deepEqual(delays(backoff, 8), [800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
  });

  const jitterCases: Array<[string, number, number]> = [
    ["lowest random", 0, 80],
    ["highest random", 0.999_999, 120],
    ["middle random", 0.5, 100],
  ];
  for (const [name, random, expected] of jitterCases) {
    it(`keeps jitter within ±20% (${name})`, () => {
      const backoff = new Backoff({
        initialMs: 100,
        maxMs: 10_000,
        clock: new ManualClock(),
        random: () => random,
      });
      assert.equal(backoff.next(), expected);
    });
  }

  it("never exceeds the cap, jitter included", () => {
    const backoff = new Backoff({
      initialMs: 100,
      maxMs: 300,
      clock: new ManualClock(),
      random: () => 0.999,
    });
    assert.ok(delays(backoff, 10).every((d) => d <= 300));
  });

  it("starts over after a quiet period measured from the end of the last delay", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({
      initialMs: 100,
      maxMs: 10_000,
      resetAfterMs: 1000,
      clock,
      random: noJitter,
    });
    assert.deepEqual(delays(backoff, 3), [100, 200, 400]); // the last one ends at t=400
    await clock.advance(1399);
    assert.equal(backoff.next(), 800, "not yet quiet for long enough");
    await clock.advance(800 + 1000);
    assert.equal(backoff.next(), 100);
  });

  it("starts over on reset()", () => {
    const backoff = new Backoff({
      initialMs: 100,
      maxMs: 10_000,
      clock: new ManualClock(),
      random: noJitter,
    });
    delays(backoff, 4);
    backoff.reset();
    assert.equal(backoff.next(), 100);
  });

  // Full jitter: each delay is random × the exponential step, the step capped at maxMs.
  const fullJitterCases: Array<[string, number, number[]]> = [
    ["lowest random: retries at once", 0, [0, 0, 0, 0, 0, 0, 0]],
    ["middle random: half of each step", 0.5, [250, 500, 1000, 2000, 4000, 5000, 5000]],
    [
      "highest random: just under the step, never the cap exceeded",
      0.999_999,
      [500, 1000, 2000, 4000, 8000, 10_000, 10_000],
    ],
  ];
  for (const [name, random, expected] of fullJitterCases) {
    it(`spreads the control-plane preset over [0, step] with full jitter (${name})`, () => {
      const backoff = new Backoff({
        ...controlPlaneBackoffOptions,
        clock: new ManualClock(),
        random: () => random,
      });
      assert.deepEqual(delays(backoff, expected.length), expected);
    });
  }

  it("keeps full jitter within [0, step] and under the cap for any random number", () => {
    let i = 0;
    const randoms = [0.1, 0.9, 0.3, 0.7, 0.05, 0.95, 0.5, 0.2, 0.8, 0.99];
    const backoff = new Backoff({
      ...controlPlaneBackoffOptions,
      clock: new ManualClock(),
      random: () => randoms[i++ % randoms.length] as number,
    });
    const steps = [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000, 10_000];
    for (const [n, step] of steps.entries()) {
      const d = backoff.next();
      assert.ok(d >= 0 && d <= step, `delay ${n}: ${d} within [0, ${step}]`);
      assert.equal(d, Math.round((randoms[n] as number) * step));
    }
  });
});
