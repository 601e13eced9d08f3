/**
 * `npm test`: type check, lint and format check, build the Go tools the tests use
 * (scripts/go-tools.ts), build the web UI, then every
 * test file under src/ and web/src/ in node's test runner. Integration tests need a cluster: unless
 * STACKWARDEN_TEST_KUBECONFIG names one, this starts the `test` sandbox once for
 * the whole run (reusing it if it is already up) and stops it afterwards if it
 * started it. STACKWARDEN_KEEP_SANDBOX=1 leaves it running for the next run.
 *
 * The runner's summary is the last thing printed, so CI can read it.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/sandbox/paths.ts";
import { sandboxDown, sandboxUp } from "../src/sandbox/sandbox.ts";
import { testSandboxName } from "../src/testing/cluster.ts";
import { ensureGoTools } from "./go-tools.ts";
import { startPostgresServer, type PostgresServer } from "../src/testing/postgres-server.ts";

const bin = (name: string): string => join(packageRoot, "node_modules", ".bin", name);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function step(title: string, command: string, args: string[]): boolean {
  log(`\n▶ ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: packageRoot, stdio: "inherit" });
  const ok = result.status === 0;
  log(`${ok ? "✔" : "✖"} ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

const failed: string[] = [];
if (!step("type check (tsc)", bin("tsc"), ["-p", "tsconfig.json"])) failed.push("type check");
if (!step("type check the web UI (tsc -p web)", bin("tsc"), ["-p", "web/tsconfig.json"]))
  failed.push("web type check");
if (!step("lint (eslint)", bin("eslint"), ["."])) failed.push("lint");
if (!step("format (prettier --check)", bin("prettier"), ["--check", "--log-level=warn", "."]))
  failed.push("format");

const env = { ...process.env };

// helm (the chart), promtool (the alert rules) and amtool are built from their Go modules once and cached.
log("\n▶ Go tools: helm, promtool, amtool");
for (const tool of await ensureGoTools(env, log)) failed.push(`${tool} build`);
let startedSandbox = false;
if (!env.STACKWARDEN_TEST_KUBECONFIG) {
  log(`\n▶ test cluster: sandbox "${testSandboxName}"`);
  const sandbox = await sandboxUp({ name: testSandboxName, env, log }).catch((e: unknown) => {
    log(`✖ could not start the test sandbox: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
  startedSandbox = !sandbox.reused;
  env.STACKWARDEN_TEST_KUBECONFIG = sandbox.kubeconfig;
  log(`✔ test cluster at ${sandbox.server}${sandbox.reused ? " (reused)" : ""}`);
}

let postgres: PostgresServer | undefined;
if (!env.STACKWARDEN_TEST_DATABASE_URL) {
  log("\n▶ test database: a throwaway PostgreSQL server");
  postgres = await startPostgresServer().catch((e: unknown) => {
    log(`✖ could not start PostgreSQL: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
  env.STACKWARDEN_TEST_DATABASE_URL = postgres.url();
  log(`✔ PostgreSQL at ${postgres.url()}`);
}

// The UI's end-to-end test drives the built UI that the server serves from web/dist.
if (!step("build the web UI (vite)", bin("vite"), ["build", "web", "--logLevel", "warn"]))
  failed.push("web build");

if (failed.length > 0) log(`\n✖ failed before the tests: ${failed.join(", ")}; the run will fail`);
log("\n▶ tests (node --test)");
const files = process.argv.slice(2);
const concurrency = Math.max(2, availableParallelism());
const tests = spawnSync(
  process.execPath,
  [
    "--test",
    "--test-reporter=spec",
    `--test-concurrency=${concurrency}`,
    "--test-timeout=600000",
    ...(files.length > 0 ? files : ["src/**/*.test.ts", "web/src/**/*.test.ts"]),
  ],
  { cwd: packageRoot, stdio: "inherit", env },
);

if (startedSandbox && !process.env.STACKWARDEN_KEEP_SANDBOX) {
  await sandboxDown({ name: testSandboxName, env, log: () => undefined });
}
postgres?.destroy();
// Nothing is printed after the runner's summary: CI reads the closing lines.
process.exitCode = tests.status === 0 && failed.length === 0 ? 0 : 1;
