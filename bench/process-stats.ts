/**
 * What a process costs, read from Linux's /proc: resident memory (now and peak) and CPU seconds
 * (user + system). The benchmarks read the operator's and kro's figures the same way.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** One reading of a process. */
export interface ProcessStats {
  /** Resident set size now, MiB (`VmRSS`). */
  readonly rssMiB: number;
  /** The highest resident set size so far, MiB (`VmHWM`). */
  readonly peakRssMiB: number;
  /** Of the resident set, anonymous memory (heap, malloc, stacks), MiB (`RssAnon`). */
  readonly anonMiB: number;
  /** Of the resident set, mapped files (the node binary, shared libraries), MiB (`RssFile`). */
  readonly fileMiB: number;
  /** CPU seconds spent so far, user plus system. */
  readonly cpuSeconds: number;
}

// The kernel's clock ticks per second (USER_HZ); 100 on every Linux this runs on.
const ticksPerSecond = 100;

/** Reads `pid`'s figures; throws when the process is gone. */
export function processStats(pid: number): ProcessStats {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  // Fields after the command name (which may hold spaces, so split after its closing paren);
  // utime and stime are the 14th and 15th fields of the whole line.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return {
    rssMiB: kib("VmRSS") / 1024,
    peakRssMiB: kib("VmHWM") / 1024,
    anonMiB: kib("RssAnon") / 1024,
    fileMiB: kib("RssFile") / 1024,
    cpuSeconds: (utime + stime) / ticksPerSecond,
  };
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** `12.3` — MiB to one decimal. */
export const mib = (x: number): string => x.toFixed(1);

/**
 * Fills Node's compile cache with the modules `stackwarden operator` of checkout `root` loads, as
 * its first start through `bin/stackwarden.js` would, so that the measured start is like every later
 * one (docs/performance.md). `nodeFlags` are the V8 flags the operator will run with: Node keeps a
 * cache per set of flags. A checkout whose launcher does not enable the cache ignores it.
 */
export function warmCompileCache(root: string, nodeFlags: readonly string[] = []): void {
  const bin = join(root, "bin", "stackwarden.js");
  const url = (file: string): string => JSON.stringify(pathToFileURL(join(root, "src", "cli", file)).href);
  // As main.ts does: V8's flags are part of its code cache's key, and the operator changes them
  // (small-heap.ts) before it imports its modules.
  const script =
    `(await import("node:module")).enableCompileCache();` +
    `(await import(${url("small-heap.ts")})).preferSmallHeap?.();` +
    `await import(${url("operator.ts")});`;
  runNode([...nodeFlags, bin, "version"]);
  runNode([...nodeFlags, "--input-type=module", "-e", script]);
}

/**
 * The bundle's counterpart of {@link warmCompileCache}, as the Dockerfile fills the image's: builds
 * dist/ (scripts/bundle.ts) and fills the compile cache in `env.NODE_COMPILE_CACHE` for its operator.
 * Returns the bundle's entry point.
 */
export function bundleWithCompileCache(
  root: string,
  env: NodeJS.ProcessEnv,
  nodeFlags: readonly string[] = [],
): string {
  runNode([join(root, "scripts", "bundle.ts")]);
  const url = (file: string): string => JSON.stringify(pathToFileURL(join(root, "dist", file)).href);
  const main = join(root, "dist", "main.js");
  runNode([...nodeFlags, main, "version"], env);
  runNode(
    [
      ...nodeFlags,
      "--input-type=module",
      "-e",
      `(await import(${url("small-heap.js")})).preferSmallHeap();await import(${url("operator.js")});`,
    ],
    env,
  );
  return main;
}

/**
 * How a benchmark starts `stackwarden operator` of checkout `root` (the arguments after `node`, and
 * its environment): through `bin/stackwarden.js` with Node's compile cache filled as after a first
 * start, or with `bundle` as the image runs it (the bundle, its own compile cache filled, the
 * entrypoint's `--liftoff-only`). `nodeFlags` are more V8 or Node flags, e.g. `--lite-mode`.
 */
export async function operatorLaunch(
  root: string,
  options: { bundle: boolean; nodeFlags: readonly string[] },
): Promise<{ command: string[]; env: NodeJS.ProcessEnv }> {
  const env = { ...process.env };
  if (!options.bundle) {
    warmCompileCache(root, options.nodeFlags);
    return { command: [...options.nodeFlags, join(root, "bin", "stackwarden.js")], env };
  }
  const cache = await mkdtemp(join(tmpdir(), "stackwarden-bench-cache-"));
  process.once("exit", () => rmSync(cache, { recursive: true, force: true }));
  env.NODE_COMPILE_CACHE = cache;
  const flags = ["--liftoff-only", ...options.nodeFlags];
  return { command: [...flags, bundleWithCompileCache(root, env, flags)], env };
}

function runNode(args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
}
