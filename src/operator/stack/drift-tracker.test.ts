import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DriftTracker } from "./drift-tracker.ts";

describe("DriftTracker", () => {
  it("hands pending drift to the next reconcile once", () => {
    const t = new DriftTracker({ now: () => 0 });
    t.note("ns/mc", { object: "Service/mc", kind: "deleted", manager: "unknown", fields: [] });
    assert.equal(t.take("ns/mc").length, 1);
    assert.equal(t.take("ns/mc").length, 0);
  });

  const cases: Array<[string, number[], boolean]> = [
    ["one correction is not a fight", [0], false],
    ["three within the window are not yet", [0, 1000, 2000], false],
    ["four within the window are a fight", [0, 1000, 2000, 3000], true],
    ["four spread beyond the window are not", [0, 200_000, 400_000, 600_000], false],
  ];
  for (const [name, times, fight] of cases) {
    it(name, () => {
      let now = 0;
      const t = new DriftTracker({ now: () => now, fightAfter: 4, windowMs: 300_000 });
      let verdict = { fight: false, corrections: 0 };
      for (const at of times) {
        now = at;
        verdict = t.corrected("ns/mc", "Deployment/web");
      }
      assert.equal(verdict.fight, fight);
      assert.equal(t.inBackoff("ns/mc", "Deployment/web"), fight);
    });
  }

  it("lets a fought-over object go after the backoff", () => {
    let now = 0;
    const t = new DriftTracker({ now: () => now, fightAfter: 2, backoffMs: 1000 });
    t.corrected("s", "o");
    t.corrected("s", "o");
    assert.deepEqual(t.fights("s"), [{ object: "o", until: 1000 }]);
    now = 1001;
    assert.equal(t.inBackoff("s", "o"), false);
    assert.deepEqual(t.fights("s"), []);
  });
});
