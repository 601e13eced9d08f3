import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RolloutStatus } from "../../api/stack.ts";
import {
  nextRolloutState,
  runsLastKnownGood,
  upgradeDeadlinePassed,
  type RolloutFacts,
} from "./rollout-state.ts";

const t0 = "2026-01-01T00:00:00.000Z";
const now = "2026-01-01T00:05:00.000Z";
const r = (state: RolloutStatus["state"], from: number, to: number, startedAt = t0): RolloutStatus => ({
  state,
  fromGeneration: from,
  toGeneration: to,
  startedAt,
});
const facts = (f: Partial<RolloutFacts>): RolloutFacts => ({
  generation: 2,
  goodGeneration: 1,
  upgradeClass: true,
  complete: false,
  deadlineMissed: false,
  now,
  ...f,
});

describe("nextRolloutState", () => {
  const cases: Array<[string, RolloutStatus | undefined, Partial<RolloutFacts>, RolloutStatus]> = [
    [
      "a new stack starts installing",
      undefined,
      { generation: 1, goodGeneration: undefined },
      r("Installing", 0, 1, now),
    ],
    [
      "an install keeps its start",
      r("Installing", 0, 1),
      { generation: 1, goodGeneration: undefined },
      r("Installing", 0, 1),
    ],
    [
      "an install keeps its start across a spec change",
      r("Installing", 0, 1),
      { generation: 2, goodGeneration: undefined },
      r("Installing", 0, 2),
    ],
    [
      "a complete install is stable",
      r("Installing", 0, 1),
      { generation: 1, goodGeneration: undefined, complete: true },
      r("Stable", 1, 1, now),
    ],
    [
      "stable stays stable, unchanged",
      r("Stable", 1, 1),
      { generation: 1, upgradeClass: false, complete: true },
      r("Stable", 1, 1),
    ],
    [
      "stable stays stable when a pod dies",
      r("Stable", 1, 1),
      { generation: 1, upgradeClass: false, complete: false },
      r("Stable", 1, 1),
    ],
    [
      "a change that is not an upgrade stays stable",
      r("Stable", 1, 1),
      { generation: 2, upgradeClass: false },
      r("Stable", 2, 2),
    ],
    ["an upgrade-class change starts upgrading", r("Stable", 1, 1), {}, r("Upgrading", 1, 2, now)],
    ["an upgrade keeps its start and origin", r("Upgrading", 1, 2), {}, r("Upgrading", 1, 2)],
    [
      "an upgrade retargeted mid-way starts again",
      r("Upgrading", 1, 2),
      { generation: 3 },
      r("Upgrading", 1, 3, now),
    ],
    ["a complete upgrade is stable", r("Upgrading", 1, 2), { complete: true }, r("Stable", 2, 2, now)],
    [
      "an upgrade past its deadline rolls back",
      r("Upgrading", 1, 2),
      { deadlineMissed: true },
      r("RollingBack", 2, 1, now),
    ],
    ["a rollback keeps its start while it lasts", r("RollingBack", 2, 1), {}, r("RollingBack", 2, 1)],
    [
      "a rollback that completes is rolled back",
      r("RollingBack", 2, 1),
      { complete: true },
      r("RolledBack", 2, 1),
    ],
    ["rolled back stays rolled back", r("RolledBack", 2, 1), { complete: false }, r("RolledBack", 2, 1)],
    [
      "a new generation after a rollback upgrades afresh",
      r("RolledBack", 2, 1),
      { generation: 3 },
      r("Upgrading", 1, 3, now),
    ],
    [
      "a fixed spec after a rollback that is not an upgrade is stable",
      r("RolledBack", 2, 1),
      { generation: 3, upgradeClass: false, complete: true },
      r("Stable", 3, 3, now),
    ],
  ];
  for (const [name, previous, f, want] of cases) {
    it(name, () => assert.deepEqual(nextRolloutState(previous, facts(f)), want));
  }

  it("returns the previous value itself when nothing changes (no status write)", () => {
    const previous = r("RollingBack", 2, 1);
    assert.equal(nextRolloutState(previous, facts({})), previous);
  });
});

describe("runsLastKnownGood", () => {
  const cases: Array<[RolloutStatus | undefined, number, boolean]> = [
    [undefined, 2, false],
    [r("Upgrading", 1, 2), 2, false],
    [r("RollingBack", 2, 1), 2, true],
    [r("RolledBack", 2, 1), 2, true],
    [r("RolledBack", 2, 1), 3, false],
  ];
  for (const [rollout, generation, want] of cases) {
    it(`${rollout?.state ?? "none"} at generation ${generation}: ${want}`, () =>
      assert.equal(runsLastKnownGood(rollout, generation), want));
  }
});

describe("upgradeDeadlinePassed", () => {
  const started = Date.parse(t0);
  const components = [
    { name: "db", ready: true },
    { name: "web", ready: false },
  ];
  const cases: Array<[string, number, string | undefined]> = [
    ["within the deadline", started + 59_000, undefined],
    ["past the deadline", started + 61_000, "web"],
  ];
  for (const [name, at, want] of cases) {
    it(name, () =>
      assert.equal(
        upgradeDeadlinePassed(components, t0, at, () => 60_000),
        want,
      ),
    );
  }
  it("ignores a start it cannot read", () =>
    assert.equal(
      upgradeDeadlinePassed(components, "", started, () => 0),
      undefined,
    ));
});
