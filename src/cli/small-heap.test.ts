import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GCProfiler, getHeapStatistics } from "node:v8";
import { Registry } from "prom-client";
import { compactionDue, heapCompactor } from "./small-heap.ts";

const MiB = 2 ** 20;

/** How many full collections `action` ran (V8's own count, read synchronously). */
function fullCollections(action: () => void): number {
  const profiler = new GCProfiler();
  profiler.start();
  action();
  return profiler.stop().statistics.filter((gc) => gc.gcType === "MarkSweepCompact").length;
}

/** The compactions `registry` has timed, by `when`. */
async function timed(registry: Registry): Promise<Record<string, number>> {
  const text = await registry.metrics();
  const counts = text.matchAll(
    /^stackwarden_heap_compaction_duration_seconds_count\{when="(\w+)"\} (\d+)$/gm,
  );
  return Object.fromEntries([...counts].map((m) => [m[1]!, Number(m[2])]));
}

const free = (): number => {
  const heap = getHeapStatistics();
  return heap.total_heap_size - heap.used_heap_size;
};

/** A burst: 40 MiB or so of objects made and dropped, every eighth kept so pages stay half full. */
function burst(): object[] {
  const kept: object[] = [];
  for (let round = 0; round < 20; round++) {
    const batch = Array.from({ length: 20_000 }, (_, i) => ({ i, text: `object ${round}/${i}` }));
    for (let i = 0; i < batch.length; i += 8) kept.push(batch[i]!);
  }
  return kept;
}

describe("compactionDue", () => {
  const cases: [string, heap: number, settled: number, busy: boolean, due: boolean][] = [
    ["quiet, grown by less than 2 MiB", 17.9 * MiB, 16 * MiB, false, false],
    ["quiet, grown by 2 MiB", 18 * MiB, 16 * MiB, false, true],
    ["busy, grown by 2 MiB: not yet", 18 * MiB, 16 * MiB, true, false],
    ["busy, small heap, grown by just under 4 MiB", 19.9 * MiB, 16 * MiB, true, false],
    ["busy, small heap, grown by 4 MiB", 20 * MiB, 16 * MiB, true, true],
    ["busy, 80 MiB heap, grown by 4 MiB: not a quarter", 84 * MiB, 80 * MiB, true, false],
    ["busy, 80 MiB heap, grown by a quarter", 100 * MiB, 80 * MiB, true, true],
    ["quiet, 80 MiB heap, grown by 2 MiB", 82 * MiB, 80 * MiB, false, true],
    ["shrunk since the last compaction", 12 * MiB, 16 * MiB, false, false],
  ];
  for (const [name, heap, settled, busy, due] of cases) {
    it(name, () => assert.equal(compactionDue(heap, settled, busy), due));
  }
});

describe("heapCompactor", () => {
  it("exposes no gc to the process's code", () => {
    heapCompactor();
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, "undefined");
  });

  for (const [hook, when] of [
    ["afterBurst", "quiet"],
    ["afterReconcile", "busy"],
  ] as const) {
    it(`${hook}: gives back the heap a burst left free, and times it as when="${when}"`, async () => {
      const registry = new Registry();
      const compact = heapCompactor({ registry })[hook];
      const kept = burst();
      const before = free();
      assert.ok(before >= 4 * MiB, `the burst left ${before} bytes free`);
      assert.ok(fullCollections(compact) >= 1);
      assert.ok(free() < before / 2, `free heap ${before} -> ${free()} bytes`);
      assert.equal(kept.length, 50_000);
      assert.deepEqual(await timed(registry), { [when]: 1 });
    });
  }

  it("afterReconcile leaves a heap alone that has not grown by 4 MiB since the last compaction", async () => {
    const registry = new Registry();
    const compactor = heapCompactor({ registry });
    const kept = burst();
    compactor.afterBurst();
    const settled = getHeapStatistics().total_heap_size;
    // A few hundred kilobytes more: under the busy bound, though over nothing.
    for (let i = 0; i < 5_000; i++) kept.push({ i });
    assert.ok(getHeapStatistics().total_heap_size - settled < 4 * MiB);
    assert.equal(fullCollections(compactor.afterReconcile), 0);
    assert.equal(kept.length, 55_000);
    assert.deepEqual(await timed(registry), { quiet: 1 }, "the one after the burst, and no other");
  });
});
