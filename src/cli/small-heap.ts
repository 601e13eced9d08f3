import { setFlagsFromString } from "node:v8";

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
