import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isRollingOut, parseReady, phaseTone, progressPercent, type Tone } from "./phase.ts";

describe("phaseTone", () => {
  const cases: Array<[string | null | undefined, Tone]> = [
    ["Ready", "ok"],
    ["Healthy", "ok"],
    ["Pending", "progress"],
    ["Installing", "progress"],
    ["Upgrading", "progress"],
    ["Progressing", "progress"],
    ["RollingBack", "warn"],
    ["Degraded", "warn"],
    ["Deleting", "warn"],
    ["Failed", "error"],
    ["Error", "error"],
    ["Paused", "paused"],
    ["ready", "ok"],
    ["Something new", "neutral"],
    ["", "neutral"],
    [null, "neutral"],
    [undefined, "neutral"],
  ];
  for (const [phase, tone] of cases)
    it(`${String(phase)} → ${tone}`, () => assert.equal(phaseTone(phase), tone));
});

describe("isRollingOut", () => {
  const cases: Array<[string | null, boolean]> = [
    ["Installing", true],
    ["Upgrading", true],
    ["Pending", true],
    ["Ready", false],
    ["Failed", false],
    [null, false],
  ];
  for (const [phase, want] of cases)
    it(`${String(phase)} → ${want}`, () => assert.equal(isRollingOut(phase), want));
});

describe("parseReady", () => {
  const cases: Array<[string | null, { ready: number; total: number } | null]> = [
    ["2/3", { ready: 2, total: 3 }],
    [" 0 / 4 ", { ready: 0, total: 4 }],
    ["3", null],
    ["a/b", null],
    [null, null],
  ];
  for (const [s, want] of cases) it(`${String(s)}`, () => assert.deepEqual(parseReady(s), want));
});

describe("progressPercent", () => {
  const cases: Array<[number, number, number]> = [
    [0, 4, 0],
    [1, 4, 25],
    [2, 3, 67],
    [3, 3, 100],
    [5, 3, 100],
    [0, 0, 100],
  ];
  for (const [r, t, want] of cases)
    it(`${r}/${t} → ${want}%`, () => assert.equal(progressPercent(r, t), want));
});
