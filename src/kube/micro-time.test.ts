import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseMicroTime, toMicroTime } from "./micro-time.ts";

const at = Date.UTC(2026, 10, 21, 23, 50, 25, 123);

describe("toMicroTime", () => {
  const cases: Array<[ms: number, want: string]> = [
    [at, "2026-11-21T23:50:25.123000Z"],
    [at + 0.456, "2026-11-21T23:50:25.123456Z"],
    [0, "1970-01-01T00:00:00.000000Z"],
  ];
  for (const [ms, want] of cases) it(`formats ${ms}`, () => assert.equal(toMicroTime(ms), want));
});

describe("parseMicroTime", () => {
  const cases: Array<[text: string, want: number | undefined]> = [
    ["2026-11-21T23:50:25.123456Z", at + 0.456],
    ["2026-11-21T23:50:25.123Z", at],
    ["2026-11-21T23:50:25Z", at - 123],
    ["2026-11-22T00:50:25.123000+01:00", at],
    ["2026-11-21 23:50:25Z", undefined],
    ["", undefined],
    ["yesterday", undefined],
  ];
  for (const [text, want] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => {
      const got = parseMicroTime(text);
      if (want === undefined) assert.equal(got, undefined);
      else assert.ok(got !== undefined && Math.abs(got - want) < 1e-3, `${got} ≠ ${want}`);
    });
  }

  it("round-trips toMicroTime", () => {
    for (const ms of [at, at + 0.001, at + 0.999, 1e12]) {
      const back = parseMicroTime(toMicroTime(ms));
      assert.ok(back !== undefined && Math.abs(back - ms) < 1e-3);
    }
  });
});
