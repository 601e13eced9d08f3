import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `probe` until it returns a value other than undefined, and returns it.
 * Fails after `timeoutMs` with `what`, the last error seen and, when given,
 * what `explain` says (e.g. `describeNamespace` from cluster.ts), so a test that waits
 * on a cluster says what it was waiting for and what it saw.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  {
    timeoutMs = 60_000,
    intervalMs = 250,
    explain,
  }: { timeoutMs?: number; intervalMs?: number; explain?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e: unknown) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `: last error ${last.message}` : "";
      const context = explain
        ? `\n${await explain().catch((e: unknown) => `(no diagnostics: ${String(e)})`)}`
        : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}${context}`);
    }
    await sleep(intervalMs);
  }
}
