import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { DriftRecord, DriftStatus } from "../../api/stack.ts";
import { inFight, recordDetected, settleDrift } from "./drift-ledger.ts";

const at = (s: number): string => new Date(s * 1000).toISOString();
const deleted: DriftRecord = {
  time: at(0),
  kind: "Service",
  name: "web",
  change: "Deleted",
  by: "Person",
  manager: "unknown",
  fields: [],
  uid: "u1",
};
const byController: DriftRecord = {
  time: at(0),
  kind: "Deployment",
  name: "web",
  change: "Modified",
  by: "Controller",
  manager: "argocd",
  fields: ["spec.replicas"],
};
const byPerson: DriftRecord = { ...byController, by: "Person", manager: "kubectl-edit" };

describe("recordDetected", () => {
  it("counts a new change once and keeps it pending", () => {
    const first = recordDetected(undefined, [deleted]);
    assert.deepEqual(first.added, [deleted]);
    assert.equal(first.drift.detected, 1);
    const again = recordDetected(first.drift, [{ ...deleted, time: at(5) }]);
    assert.deepEqual(again.added, []);
    assert.equal(again.drift, first.drift);
  });
  it("counts the deletion of a recreated object again (another UID)", () => {
    const first = recordDetected(undefined, [deleted]).drift;
    assert.equal(recordDetected(first, [{ ...deleted, uid: "u2" }]).drift.detected, 2);
  });
});

/** Detects and corrects `record` `times` times, a second apart; returns the drift status and fights started. */
function correctRepeatedly(record: DriftRecord, times: number): { drift: DriftStatus; fights: number } {
  let drift: DriftStatus | undefined;
  let fights = 0;
  for (let i = 0; i < times; i++) {
    drift = recordDetected(drift, [record]).drift;
    const settled = settleDrift(drift, { restored: () => true, wanted: () => true, now: i * 1000 });
    drift = settled.drift;
    fights += settled.fights.length;
  }
  return { drift: drift!, fights };
}

describe("settleDrift", () => {
  const cases: Array<
    [string, DriftRecord, number, { corrections: number; fights: number; inFight: boolean }]
  > = [
    [
      "a person deleting six times is repaired six times, never a fight",
      deleted,
      6,
      { corrections: 6, fights: 0, inFight: false },
    ],
    [
      "a person editing six times is repaired six times, never a fight",
      byPerson,
      6,
      { corrections: 6, fights: 0, inFight: false },
    ],
    [
      "a controller changing it back three times is not yet a fight",
      byController,
      3,
      { corrections: 3, fights: 0, inFight: false },
    ],
    [
      "a controller changing it back four times starts a fight",
      byController,
      4,
      { corrections: 4, fights: 1, inFight: true },
    ],
  ];
  for (const [name, record, times, want] of cases) {
    it(name, () => {
      const { drift, fights } = correctRepeatedly(record, times);
      assert.equal(drift.corrections, want.corrections);
      assert.equal(drift.fights, want.fights);
      assert.equal(fights, want.fights);
      assert.equal(inFight(drift, times * 1000).length > 0, want.inFight);
      assert.equal(drift.pending, undefined);
    });
  }
  it("keeps a change pending until its object is restored, and drops one no longer wanted", () => {
    const drift = recordDetected(undefined, [deleted, byPerson]).drift;
    const settled = settleDrift(drift, {
      restored: () => false,
      wanted: (r) => r.kind === "Service",
      now: 0,
    });
    assert.deepEqual(settled.drift.pending, [deleted]);
    assert.equal(settled.corrected.length, 0);
  });
  it("forgets a fight once its backoff and its corrections are old", () => {
    const { drift } = correctRepeatedly(byController, 4);
    const later = settleDrift(drift, { restored: () => true, wanted: () => true, now: 3600_000 });
    assert.equal(later.drift.contested, undefined);
    assert.equal(later.drift.fights, 1);
  });
});
