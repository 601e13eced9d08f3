import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive } from "./process.ts";

/**
 * Runs `fn` while holding an exclusive lock on `path`, shared across processes.
 *
 * The lock is a directory (mkdir is atomic) holding the owner's pid. A lock
 * whose owner is no longer alive is stale: it is removed and taken over, so a
 * killed `sandbox up` never blocks the next one. Waiters poll every `pollMs`
 * (calling `onBusy` each time they find the lock held) and give up, rejecting,
 * when `signal` aborts.
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  { pollMs = 200, signal, onBusy }: { pollMs?: number; signal?: AbortSignal; onBusy?: () => void } = {},
): Promise<T> {
  await acquire(path, pollMs, signal, onBusy);
  try {
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

async function acquire(
  path: string,
  pollMs: number,
  signal: AbortSignal | undefined,
  onBusy: (() => void) | undefined,
): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    try {
      await mkdir(path);
      await writeFile(join(path, "pid"), String(process.pid));
      return;
    } catch (e: unknown) {
      if (!isErrno(e, "EEXIST")) throw e;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner !== process.pid && !isProcessAlive(owner)) {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    onBusy?.();
    await sleep(pollMs, undefined, { signal });
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(path, "pid"), "utf8"), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    // The owner made the directory but has not written its pid yet.
    return undefined;
  }
}

/** True when `e` is a Node.js system error with the given code. */
export function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && "code" in e && (e as NodeJS.ErrnoException).code === code;
}
