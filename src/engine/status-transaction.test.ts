import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyTransactions, type StatusTransaction, statusMergePatch } from "./status-transaction.ts";

interface Status {
  phase?: string;
  observedGeneration?: number;
  components?: Record<string, { ready: boolean }>;
  tracked?: string[];
}

const setPhase =
  (phase: string): StatusTransaction<Status> =>
  (s) => {
    s.phase = phase;
  };
const markReady =
  (component: string): StatusTransaction<Status> =>
  (s) => {
    s.components = { ...s.components, [component]: { ready: true } };
  };

describe("applyTransactions", () => {
  const current: Status = { phase: "Installing", components: { loki: { ready: false } }, tracked: ["a"] };
  const cases: Array<[string, Array<StatusTransaction<Status>>, Status, boolean]> = [
    ["no transactions", [], current, false],
    ["a transaction that sets what is already there", [setPhase("Installing")], current, false],
    ["a phase change", [setPhase("Ready")], { ...current, phase: "Ready" }, true],
    [
      "several in order, the last one winning",
      [setPhase("Ready"), markReady("loki"), setPhase("Degraded")],
      { phase: "Degraded", components: { loki: { ready: true } }, tracked: ["a"] },
      true,
    ],
    ["changes that cancel out", [setPhase("Ready"), setPhase("Installing")], current, false],
  ];
  for (const [name, transactions, expected, changed] of cases) {
    it(`reports changed=${changed} for ${name}`, () => {
      const snapshot = structuredClone(current);
      const result = applyTransactions(current, transactions);
      assert.deepEqual(result, { next: expected, changed });
      assert.deepEqual(current, snapshot, "the current status is not changed");
      assert.notEqual(result.next, current);
    });
  }

  it("never lets a transaction reach into the current status through nested objects", () => {
    const { next } = applyTransactions(current, [(s) => s.tracked?.push("b")]);
    assert.deepEqual(current.tracked, ["a"]);
    assert.deepEqual(next.tracked, ["a", "b"]);
  });
});

describe("statusMergePatch", () => {
  const cases: Array<
    [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown> | undefined]
  > = [
    ["equal statuses", { phase: "Ready", n: 1 }, { phase: "Ready", n: 1 }, undefined],
    ["a changed scalar", { phase: "Installing" }, { phase: "Ready" }, { phase: "Ready" }],
    ["an added key", {}, { observedGeneration: 3 }, { observedGeneration: 3 }],
    ["a removed key", { phase: "Ready", message: "x" }, { phase: "Ready" }, { message: null }],
    ["a key set to undefined", { message: "x" }, { message: undefined }, { message: null }],
    ["a key set to null", { message: "x" }, { message: null }, { message: null }],
    [
      "a nested change, leaving siblings out",
      { components: { loki: { ready: false }, tempo: { ready: true } } },
      { components: { loki: { ready: true }, tempo: { ready: true } } },
      { components: { loki: { ready: true } } },
    ],
    [
      "a nested removal",
      { components: { loki: { ready: true }, tempo: { ready: true } } },
      { components: { loki: { ready: true } } },
      { components: { tempo: null } },
    ],
    [
      "an array, replaced whole",
      {
        conditions: [
          { type: "Ready", status: "False" },
          { type: "Progressing", status: "True" },
        ],
      },
      {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Progressing", status: "True" },
        ],
      },
      {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Progressing", status: "True" },
        ],
      },
    ],
    ["an equal array", { tracked: ["a", "b"] }, { tracked: ["a", "b"] }, undefined],
    [
      "an object replacing a scalar",
      { lastFailure: "none" },
      { lastFailure: { retries: 2 } },
      { lastFailure: { retries: 2 } },
    ],
    [
      "a scalar replacing an object",
      { lastFailure: { retries: 2 } },
      { lastFailure: "none" },
      { lastFailure: "none" },
    ],
    [
      "an emptied object",
      { components: { loki: { ready: true } } },
      { components: {} },
      { components: { loki: null } },
    ],
  ];
  for (const [name, before, after, expected] of cases) {
    it(`handles ${name}`, () => {
      assert.deepEqual(statusMergePatch(before, after), expected);
    });
  }

  it("produces a patch that, merged per RFC 7386, turns before into after", () => {
    const before = {
      phase: "Installing",
      components: { loki: { ready: false }, tempo: { ready: true } },
      x: [1],
    };
    const after = { phase: "Ready", components: { loki: { ready: true } }, y: 2 };
    assert.deepEqual(mergePatch(before, statusMergePatch(before, after)), after);
  });
});

/** RFC 7386's MergePatch algorithm, as a reference for the round trip. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
