import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { watchdogGraceMs, watchdogLimitMs } from "./reflector.ts";

describe("watchdogLimitMs", () => {
  const cases: ReadonlyArray<{ name: string; timeoutSeconds: number; watchdogMs?: number; want: number }> = [
    {
      name: "the shortest default timeout plus the grace",
      timeoutSeconds: 300,
      want: 300_000 + watchdogGraceMs,
    },
    {
      name: "the longest default timeout plus the grace",
      timeoutSeconds: 599,
      want: 599_000 + watchdogGraceMs,
    },
    {
      name: "a given limit wins (tests of half-open streams)",
      timeoutSeconds: 300,
      watchdogMs: 1500,
      want: 1500,
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(watchdogLimitMs(c.timeoutSeconds, c.watchdogMs), c.want));
  }

  it("never cuts a watch before the API server's once-a-minute bookmark could have come", () => {
    for (const seconds of [300, 450, 599]) assert.ok(watchdogLimitMs(seconds) > 60_000 + watchdogGraceMs);
  });
});
