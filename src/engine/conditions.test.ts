import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { findCondition, isTrue, latestTransition, nextCondition, setCondition } from "./conditions.ts";
import { type Condition } from "../api/condition.ts";

const t0 = "2026-01-01T00:00:00Z";
const t1 = "2026-01-01T00:05:00Z";

const ready: Condition = {
  type: "Ready",
  status: "False",
  reason: "Installing",
  message: "2 of 5 components ready",
  lastTransitionTime: t0,
  observedGeneration: 1,
};
const progressing: Condition = {
  type: "Progressing",
  status: "True",
  reason: "Installing",
  message: "installing loki",
  lastTransitionTime: t0,
};

describe("setCondition", () => {
  const cases: Array<[string, Condition[], Omit<Condition, "lastTransitionTime">, Condition[]]> = [
    [
      "appends a new type with the transition time now",
      [ready],
      { type: "Degraded", status: "False", reason: "AsExpected", message: "" },
      [
        ready,
        { type: "Degraded", status: "False", reason: "AsExpected", message: "", lastTransitionTime: t1 },
      ],
    ],
    [
      "moves the transition time when the status changes, keeping position",
      [ready, progressing],
      {
        type: "Ready",
        status: "True",
        reason: "AllComponentsReady",
        message: "5 of 5",
        observedGeneration: 2,
      },
      [
        {
          type: "Ready",
          status: "True",
          reason: "AllComponentsReady",
          message: "5 of 5",
          observedGeneration: 2,
          lastTransitionTime: t1,
        },
        progressing,
      ],
    ],
    [
      "updates reason, message and generation in place without moving the transition time",
      [progressing, ready],
      {
        type: "Ready",
        status: "False",
        reason: "Upgrading",
        message: "3 of 5 components ready",
        observedGeneration: 2,
      },
      [
        progressing,
        {
          type: "Ready",
          status: "False",
          reason: "Upgrading",
          message: "3 of 5 components ready",
          observedGeneration: 2,
          lastTransitionTime: t0,
        },
      ],
    ],
    [
      "changes nothing but the object identity when nothing differs",
      [ready],
      {
        type: "Ready",
        status: "False",
        reason: "Installing",
        message: "2 of 5 components ready",
        observedGeneration: 1,
      },
      [ready],
    ],
    [
      "treats Unknown as a status of its own",
      [progressing],
      { type: "Progressing", status: "Unknown", reason: "ClusterUnreachable", message: "" },
      [
        {
          type: "Progressing",
          status: "Unknown",
          reason: "ClusterUnreachable",
          message: "",
          lastTransitionTime: t1,
        },
      ],
    ],
  ];
  for (const [name, before, next, expected] of cases) {
    it(name, () => {
      const frozen = structuredClone(before);
      assert.deepEqual(setCondition(before, next, t1), expected);
      assert.deepEqual(before, frozen, "the input array and its conditions are not changed");
    });
  }
});

describe("findCondition and isTrue", () => {
  const conditions = [ready, progressing];
  const cases: Array<[string, Condition[] | undefined, string, Condition | undefined, boolean]> = [
    ["a False condition", conditions, "Ready", ready, false],
    ["a True condition", conditions, "Progressing", progressing, true],
    ["a missing type", conditions, "Paused", undefined, false],
    ["no conditions at all", undefined, "Ready", undefined, false],
  ];
  for (const [name, list, type, found, trueness] of cases) {
    it(`handles ${name}`, () => {
      assert.equal(findCondition(list, type), found);
      assert.equal(isTrue(list, type), trueness);
    });
  }
});

describe("nextCondition", () => {
  const ready: Condition = {
    type: "Ready",
    status: "True",
    reason: "A",
    message: "",
    lastTransitionTime: "t1",
  };
  const cases: Array<[string, Condition[], "True" | "False", string]> = [
    ["a new condition takes now", [], "True", "t2"],
    ["a held status keeps its time", [ready], "True", "t1"],
    ["a changed status takes now", [ready], "False", "t2"],
  ];
  for (const [name, previous, status, time] of cases) {
    it(name, () =>
      assert.equal(
        nextCondition(previous, { type: "Ready", status, reason: "B", message: "m" }, "t2")
          .lastTransitionTime,
        time,
      ),
    );
  }
});

describe("latestTransition", () => {
  const at = (t: string): Condition => ({
    type: t,
    status: "True",
    reason: "A",
    message: "",
    lastTransitionTime: t,
  });
  const cases: Array<[Condition[] | undefined, string | undefined]> = [
    [undefined, undefined],
    [[], undefined],
    [
      [at("2026-01-02T00:00:00Z"), at("2026-01-03T00:00:00Z"), at("2026-01-01T00:00:00Z")],
      "2026-01-03T00:00:00Z",
    ],
  ];
  for (const [conditions, want] of cases) {
    it(`${conditions?.length ?? "no"} conditions: ${want}`, () =>
      assert.equal(latestTransition(conditions), want));
  }
});
