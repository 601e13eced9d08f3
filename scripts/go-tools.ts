/**
 * `npm run tools`: builds the Go tools the tests use (helm, promtool, amtool)
 * when the cache has none, one at a time, printing each build's progress and
 * time. `npm test` runs the same step before the tests, so a fresh machine
 * needs nothing but npm and Go.
 */
import { pathToFileURL } from "node:url";
import { ensureGoTool, goTools } from "../src/sandbox/go-tool.ts";
import type { PathEnv } from "../src/sandbox/paths.ts";

/** Ensures every tool in {@link goTools}; returns the names of those that could not be built. */
export async function ensureGoTools(env: PathEnv, log: (line: string) => void): Promise<string[]> {
  const failed: string[] = [];
  for (const tool of Object.values(goTools)) {
    const started = Date.now();
    try {
      const path = await ensureGoTool({ ...tool, env, progress: log });
      log(`✔ ${tool.name} ${tool.version} (${((Date.now() - started) / 1000).toFixed(1)} s): ${path}`);
    } catch (e: unknown) {
      log(`✖ ${tool.name}: ${e instanceof Error ? e.message : String(e)}`);
      failed.push(tool.name);
    }
  }
  return failed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const failed = await ensureGoTools(process.env, log);
  process.exitCode = failed.length === 0 ? 0 : 1;
}
