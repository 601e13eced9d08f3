import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getHeapStatistics } from "node:v8";
import { heapCompactor } from "./small-heap.ts";

const free = (): number => {
  const heap = getHeapStatistics();
  return heap.total_heap_size - heap.used_heap_size;
};

describe("heapCompactor", () => {
  it("exposes no gc to the process's code", () => {
    heapCompactor();
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, "undefined");
  });

  it("gives back the heap a burst left free", () => {
    const compact = heapCompactor();
    // A burst: 40 MiB or so of objects made and dropped, every eighth kept so pages stay half full.
    const kept: object[] = [];
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 20_000 }, (_, i) => ({ i, text: `object ${round}/${i}` }));
      for (let i = 0; i < batch.length; i += 8) kept.push(batch[i]!);
    }
    const before = free();
    assert.ok(before >= 4 * 2 ** 20, `the burst left ${before} bytes free`);
    compact();
    assert.ok(free() < before / 2, `free heap ${before} -> ${free()} bytes`);
    assert.equal(kept.length, 50_000);
  });
});
