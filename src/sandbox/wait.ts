import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive } from "./process.ts";

/** A sandbox component did not come up; the message quotes its log. */
export class SandboxStartError extends Error {
  override readonly name = "SandboxStartError";
}

/** The process whose health a wait depends on: if it exits, waiting stops at once. */
export interface Watched {
  readonly pid: number;
  readonly logFile: string;
}

/**
 * Polls `check` every 250 ms until it returns true. Throws a
 * {@link SandboxStartError} when `timeoutMs` passes or when the watched
 * process exits first, quoting the end of its log.
 */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  watched?: Watched,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (watched && !isProcessAlive(watched.pid)) {
      throw new SandboxStartError(
        `gave up waiting for ${what}: the process exited.\n${await tail(watched.logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      const log = watched ? `\n${await tail(watched.logFile)}` : "";
      throw new SandboxStartError(`gave up waiting for ${what} after ${timeoutMs / 1000} s.${log}`);
    }
    await sleep(250);
  }
}

async function tail(logFile: string, lines = 25): Promise<string> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return `last lines of ${logFile}:\n${text.trimEnd().split("\n").slice(-lines).join("\n")}`;
}
