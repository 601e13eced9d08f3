import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../engine/clock.ts";
import { EventCorrelator, type EventCorrelatorOptions } from "./event-correlator.ts";

const minute = 60_000;

/** One occurrence: wait `afterMs`, then correlate; want `new`/`repeat` with a count, or `dropped`. */
type Step = [afterMs: number, object: string, event: string, want: "new" | "dropped" | `repeat ${number}`];

async function play(steps: readonly Step[], options: EventCorrelatorOptions = {}): Promise<string[]> {
  const clock = new ManualClock(1_000_000);
  const correlator = new EventCorrelator({ clock, ...options });
  const got: string[] = [];
  for (const [afterMs, object, event] of steps) {
    await clock.advance(afterMs);
    const c = correlator.correlate(object, event);
    got.push(c.type === "repeat" ? `repeat ${c.series.count}` : c.type);
  }
  return got;
}

describe("EventCorrelator", () => {
  const cases: Array<[name: string, steps: Step[], options?: EventCorrelatorOptions]> = [
    [
      "counts identical Events into one series",
      [
        [0, "pod", "Started", "new"],
        [1_000, "pod", "Started", "repeat 2"],
        [1_000, "pod", "Started", "repeat 3"],
      ],
    ],
    [
      "keeps different Events apart",
      [
        [0, "pod", "Started", "new"],
        [0, "pod", "Failed", "new"],
        [0, "other", "Started", "new"],
        [0, "pod", "Started", "repeat 2"],
      ],
    ],
    [
      "joins a repeat exactly at the end of the window",
      [
        [0, "pod", "Started", "new"],
        [10 * minute, "pod", "Started", "repeat 2"],
      ],
    ],
    [
      "starts a new Event after ten quiet minutes",
      [
        [0, "pod", "Started", "new"],
        [10 * minute + 1, "pod", "Started", "new"],
        [1, "pod", "Started", "repeat 2"],
      ],
    ],
    [
      "keeps a steadily repeating series going past the window",
      [
        [0, "pod", "Started", "new"],
        [9 * minute, "pod", "Started", "repeat 2"],
        [9 * minute, "pod", "Started", "repeat 3"],
      ],
    ],
    [
      "drops beyond the burst, per object, and lets one more through per refill",
      [
        [0, "pod", "A", "new"],
        [0, "pod", "B", "new"],
        [0, "pod", "C", "new"],
        [0, "pod", "D", "dropped"],
        [0, "pod", "A", "dropped"],
        [0, "other", "A", "new"],
        [5 * minute - 1, "pod", "D", "dropped"],
        [1, "pod", "D", "new"],
        [0, "pod", "E", "dropped"],
      ],
      { burst: 3 },
    ],
    [
      "refills no more than the burst",
      [
        [0, "pod", "A", "new"],
        [60 * minute, "pod", "B", "new"],
        [0, "pod", "C", "new"],
        [0, "pod", "D", "dropped"],
      ],
      { burst: 2 },
    ],
    [
      "forgets the least recently used series beyond maxEntries",
      [
        [0, "pod", "A", "new"],
        [0, "pod", "B", "new"],
        [0, "pod", "C", "new"],
        [0, "pod", "A", "new"],
        [0, "pod", "C", "repeat 2"],
      ],
      { maxEntries: 2 },
    ],
  ];
  for (const [name, steps, options] of cases) {
    it(name, async () =>
      assert.deepEqual(
        await play(steps, options),
        steps.map((s) => s[3]),
      ),
    );
  }

  it("counts what it drops", () => {
    const correlator = new EventCorrelator({ clock: new ManualClock(), burst: 1 });
    assert.equal(correlator.correlate("pod", "A").type, "new");
    assert.deepEqual(correlator.correlate("pod", "A"), { type: "dropped", dropped: 1 });
    assert.deepEqual(correlator.correlate("pod", "B"), { type: "dropped", dropped: 2 });
    assert.equal(correlator.dropped, 2);
  });

  it("returns the same series object for every occurrence, with first and last observed times", async () => {
    const clock = new ManualClock(5_000);
    const correlator = new EventCorrelator({ clock });
    const first = correlator.correlate("pod", "A");
    await clock.advance(2_000);
    const second = correlator.correlate("pod", "A");
    assert.ok(first.type === "new" && second.type === "repeat");
    assert.equal(first.series, second.series);
    assert.deepEqual(second.series, { count: 2, firstObservedMs: 5_000, lastObservedMs: 7_000 });
  });
});
