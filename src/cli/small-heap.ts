import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Asks V8 to favour memory over speed (`--optimize-for-size`), for the commands that run for a long
 * time and sit idle most of it: `operator`, `server`, `up` and `agent`.
 *
 * Why: with its defaults, V8's young generation grows to 128 MiB while a burst of work allocates
 * quickly (an operator converging 200 stacks, a control plane's first sync) and is never given
 * back, however idle the process is afterwards. That, not the caches, was the operator's RSS
 * "growth per stack" (docs/performance.md). With this flag the young generation stays small and
 * V8's memory reducer returns the old generation's free pages once the burst is over, at the price
 * of more frequent, smaller collections.
 *
 * It is set here rather than on the command line because `npx stackwarden` (bin/stackwarden.js)
 * runs in the process it was started in; V8 reads this flag while it runs, not only at start-up.
 */
export function preferSmallHeap(): void {
  setFlagsFromString("--optimize-for-size");
}

/** Below this much growth since the last collection, a burst's end is not worth one. */
const minGrowthBytes = 4 * 2 ** 20;

/**
 * A function that gives the free part of V8's heap back to the system, for the operator's manager to
 * call once a burst of reconciles is over (`afterBurst`, operator/manager.ts): a full, compacting
 * collection (V8's "last resort"), when the heap has grown by 4 MiB or more since the last one (or
 * since this was made).
 *
 * Why: V8's memory reducer shrinks the young generation once a process goes quiet, but leaves the old
 * generation's half-empty pages in place. After 200 stacks converged the operator's heap held
 * 25.8 MiB for 15 in use, and kept it; one such collection brought it to 16.6 and the process from
 * 84.8 to 74.4 MiB, for about 0.15 CPU-seconds once per burst (docs/performance.md, round 6). Growth,
 * not free space, decides: until a collection runs, V8 counts the burst's garbage as in use.
 *
 * V8 offers the collection only to code it exposes `gc` to; the flag is turned on for the one new
 * context that fetches the function, and off again, so no other code sees a `gc`.
 */
export function heapCompactor(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (options: {
    type: "major";
    execution: "sync";
    flavor: "last-resort";
  }) => void;
  setFlagsFromString("--no-expose-gc");
  let settled = getHeapStatistics().total_heap_size;
  return () => {
    if (getHeapStatistics().total_heap_size - settled < minGrowthBytes) return;
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    settled = getHeapStatistics().total_heap_size;
  };
}
