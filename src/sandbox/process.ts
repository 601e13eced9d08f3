import { spawn } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** True when a process with this pid exists (signal 0 probes without touching it). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: it exists but belongs to someone else.
    return e instanceof Error && (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Starts `command` detached from this process, in its own process group, with
 * stdout and stderr appended to `logFile`. The child outlives its parent: that
 * is what lets `sandbox up` return while the sandbox keeps running.
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd], env });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops a process started by {@link spawnDetached}: SIGTERM to its process
 * group, then SIGKILL after `graceMs`. Resolves once it is gone. A pid that is
 * already gone is not an error.
 */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!signalGroup(pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await sleep(50);
  }
  signalGroup(pid, "SIGKILL");
  while (isProcessAlive(pid)) await sleep(50);
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
