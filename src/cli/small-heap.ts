import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { performance } from "node:perf_hooks";
import { Histogram, type Registry } from "prom-client";
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

const MiB = 2 ** 20;

/**
 * Whether the heap has grown enough since the last compaction (to `settledBytes`) to be worth another.
 * Once a burst is over, 2 MiB is: the process may then sit idle for hours. While reconciles run, the
 * heap may grow by a quarter, and by 4 MiB at least, first: that bounds the collections' cost to a
 * share of the work (at 2,000 stacks the heap is 60 MiB or more, and a compaction of it costs more).
 */
export function compactionDue(heapBytes: number, settledBytes: number, busy: boolean): boolean {
  const grown = heapBytes - settledBytes;
  return grown >= (busy ? Math.max(4 * MiB, settledBytes / 4) : 2 * MiB);
}

/** What the operator's manager calls to keep V8's heap small (its options of the same names). */
export interface HeapCompactor {
  /** After every reconcile: compacts when the heap grew past {@link compactionDue}'s busy bound. */
  readonly afterReconcile: () => void;
  /** Once a burst of reconciles is over: compacts when the heap grew by 2 MiB or more. */
  readonly afterBurst: () => void;
}

/**
 * Gives the free part of V8's heap back to the system, for the operator's manager to call after each
 * reconcile and once a burst of them is over: a full, compacting collection (V8's "last resort") when
 * the heap has grown enough since the last one, or since this was made ({@link compactionDue}).
 *
 * Why: V8 lets the old generation grow by 8 MiB or so of garbage before it collects it, and its
 * regular collections leave half-empty pages in place; only the memory reducer, once a process goes
 * quiet, shrinks the young generation. While 200 stacks converged the operator's heap rose from 14
 * to 28 MiB for 14 to 17 in use, and after idle it held 25.8 MiB for 15. Compacting at 4 MiB of
 * growth while busy took the peak from 86.8–90.4 to 77.9–79.0 MiB (34 compactions of about 0.12 s
 * each over the 73 s, where V8 ran 12 collections of its own; the operator's CPU while converging
 * stayed within the 20–29 s its runs range over); compacting once after the burst took the idle
 * process from 84.8 to 74.4 MiB for about 0.15 CPU-seconds (docs/performance.md, rounds 6 and 7).
 * Growth, not free space, decides: until a collection runs, V8 counts the garbage as in use.
 *
 * Each compaction is timed into `stackwarden_heap_compaction_duration_seconds{when}` on `registry`.
 *
 * V8 offers the collection only to code it exposes `gc` to; the flag is turned on for the one new
 * context that fetches the function, and off again, so no other code sees a `gc`.
 */
export function heapCompactor(options: { registry?: Registry } = {}): HeapCompactor {
  // Not seen by prom-client's `nodejs_gc_duration_seconds`, which leaves forced collections out.
  const pauses = new Histogram({
    name: "stackwarden_heap_compaction_duration_seconds",
    help: "Full, compacting collections the process asked V8 for, while reconciles ran (when=busy) or once they had stopped (when=quiet), by how long each held the event loop",
    labelNames: ["when"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: options.registry ? [options.registry] : [],
  });
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (options: {
    type: "major";
    execution: "sync";
    flavor: "last-resort";
  }) => void;
  setFlagsFromString("--no-expose-gc");
  let settled = getHeapStatistics().total_heap_size;
  const compactIfDue = (busy: boolean): void => {
    if (!compactionDue(getHeapStatistics().total_heap_size, settled, busy)) return;
    const started = performance.now();
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    pauses.observe({ when: busy ? "busy" : "quiet" }, (performance.now() - started) / 1000);
    settled = getHeapStatistics().total_heap_size;
  };
  return { afterReconcile: () => compactIfDue(true), afterBurst: () => compactIfDue(false) };
}
