import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ErrorClass } from "./errors.ts";
import { defaultRetryPolicy, jittered, retryPolicy } from "./retry-policy.ts";

const s = 1000;
const min = 60 * s;

describe("defaultRetryPolicy", () => {
  const cases: Array<[ErrorClass, number[]]> = [
    ["transient", [10 * s, 20 * s, 40 * s, 60 * s, 60 * s, 60 * s]],
    ["unknown", [2 * min, 2 * min, 2 * min, 2 * min, 2 * min, 2 * min]],
    ["permanent", [5 * min, 10 * min, 10 * min, 10 * min, 10 * min, 10 * min]],
  ];
  for (const [errorClass, expected] of cases) {
    it(`waits ${expected.map((ms) => `${ms / s}s`).join(", ")} for ${errorClass} failures 1..6`, () => {
      assert.deepEqual(
        expected.map((_, i) => defaultRetryPolicy.delayMs(errorClass, i + 1)),
        expected,
      );
    });
  }

  it("reports Failed after 5 consecutive failures", () => {
    assert.equal(defaultRetryPolicy.failedAfter, 5);
  });

  it("treats a count below 1 as the first failure", () => {
    assert.equal(defaultRetryPolicy.delayMs("transient", 0), 10 * s);
  });
});

describe("retryPolicy", () => {
  it("takes its numbers from the options", () => {
    const policy = retryPolicy({
      transient: { initialMs: 1, factor: 3, maxMs: 20 },
      unknownMs: 7,
      permanent: { firstMs: 100, thenMs: 200 },
      failedAfter: 2,
    });
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => policy.delayMs("transient", n)),
      [1, 3, 9, 20],
    );
    assert.equal(policy.delayMs("unknown", 9), 7);
    assert.deepEqual([policy.delayMs("permanent", 1), policy.delayMs("permanent", 2)], [100, 200]);
    assert.equal(policy.failedAfter, 2);
  });
});

describe("jittered", () => {
  const cases: Array<[string, number, number | undefined, number]> = [
    ["lowest random, default 10%", 0, undefined, 9000],
    ["middle random", 0.5, undefined, 10_000],
    ["highest random, default 10%", 0.999_999_9, undefined, 11_000],
    ["lowest random, 50%", 0, 0.5, 5000],
    ["no jitter", 0.123, 0, 10_000],
  ];
  for (const [name, random, fraction, expected] of cases) {
    it(`spreads 10 s to ${expected} ms with ${name}`, () => {
      assert.equal(
        jittered(10_000, () => random, fraction),
        expected,
      );
    });
  }
});
