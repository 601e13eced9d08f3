/**
 * Runs one `go build` or `go install` (with `-v`) the way the sandbox and the
 * Go tools are built: CGO off, the module's go.mod read-only, a progress line
 * every 15 s counting the packages compiled, and the last lines of whatever
 * else Go printed kept for the error when it fails.
 */
import { spawn } from "node:child_process";

export interface GoBuild {
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Added to the environment (after CGO_ENABLED and GOFLAGS). */
  readonly env?: Readonly<Record<string, string>>;
  /** What the progress lines call the build, e.g. `building helm`. */
  readonly label: string;
  readonly progress: (line: string) => void;
}

export interface GoBuildResult {
  readonly ok: boolean;
  /** How it ended, for the error: `(exit 1) after 3m02s:` and Go's last lines. */
  readonly failure: string;
  readonly packages: number;
  readonly elapsed: string;
}

/** `1m05s`. Pure. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** A line Go prints with -v for each package it compiles. Pure. */
export function isPackageLine(line: string): boolean {
  return /^[\w.-]+(\/[\w.~+-]+)*$/.test(line);
}

export async function runGoBuild(build: GoBuild): Promise<GoBuildResult> {
  const started = Date.now();
  const child = spawn("go", build.args, {
    ...(build.cwd === undefined ? {} : { cwd: build.cwd }),
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false", ...build.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let packages = 0;
  const tail: string[] = [];
  let partial = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (isPackageLine(line)) packages++;
      else tail.push(line);
      if (tail.length > 60) tail.shift();
    }
  });
  const timer = setInterval(() => {
    build.progress(
      `  still ${build.label}: ${formatElapsed(Date.now() - started)} elapsed, ${packages} packages compiled`,
    );
  }, 15_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  }).finally(() => clearInterval(timer));
  const elapsed = formatElapsed(Date.now() - started);
  return {
    ok: code === 0,
    failure: `(exit ${code}) after ${elapsed}:\n${tail.join("\n")}`,
    packages,
    elapsed,
  };
}
