import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatAge } from "./age.ts";

describe("formatAge", () => {
  const now = Date.parse("2026-01-10T12:00:00Z");
  const ago = (seconds: number): number => now - seconds * 1000;
  const cases: Array<[string | number | null | undefined, string]> = [
    [ago(0), "0s"],
    [ago(45), "45s"],
    [ago(60), "1m"],
    [ago(192), "3m12s"],
    [ago(600), "10m"],
    [ago(59 * 60 + 59), "59m"],
    [ago(3600), "1h"],
    [ago(2 * 3600 + 5 * 60), "2h5m"],
    [ago(12 * 3600), "12h"],
    [ago(4 * 86400), "4d"],
    [ago(4 * 86400 + 3 * 3600), "4d3h"],
    [ago(40 * 86400), "40d"],
    [ago(400 * 86400), "1y35d"],
    [now + 5000, "0s"],
    ["2026-01-10T11:59:30Z", "30s"],
    ["2026-01-10T11:59:30.123+00:00", "29s"],
    ["not a date", "-"],
    ["", "-"],
    [null, "-"],
    [undefined, "-"],
  ];
  for (const [since, want] of cases) {
    it(`${String(since)} → ${want}`, () => assert.equal(formatAge(since, now), want));
  }
});
