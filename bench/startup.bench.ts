/**
 * What loading code costs, no cluster needed: prints a table, asserts nothing. CI does not run it.
 *
 *   node bench/startup.bench.ts [--runs 3]
 *
 * Each row is a fresh `node` process (this one's binary) that imports something, runs a full garbage
 * collection, and reads its own /proc: RSS (anonymous / mapped files), V8 heap used / reserved,
 * `external` (Buffers, WebAssembly memory) and CPU seconds; the median of `--runs` processes.
 *
 * - Node alone, one trivial `.ts` module (type stripping loads Node's WebAssembly type stripper);
 * - each large dependency of the operator alone (its JavaScript, from Node's compile cache);
 * - all of `src/cli/operator.ts`'s modules: without the compile cache, with it (as
 *   `bin/stackwarden.js` and the image run it), and with V8 flags.
 *
 * Then `stackwarden operator` itself, started against an API server that does not answer (its
 * watches retry; nothing is cached), read 8 s after it started: `node src/cli/main.ts` without the
 * compile cache, `bin/stackwarden.js` with it, and the image's bundle (`dist/main.js`, built here by
 * scripts/bundle.ts) as the image's entrypoint starts it.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { packageRoot } from "../src/sandbox/paths.ts";
import { bundleWithCompileCache, mib, processStats } from "./process-stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);
const scratch = await mkdtemp(join(tmpdir(), "stackwarden-startup-"));
const cache = join(scratch, "compile-cache");
const trivial = join(scratch, "trivial.ts");
await writeFile(trivial, "export const x: number = 1;\n");
const kubeconfig = join(scratch, "kubeconfig");
await writeFile(
  kubeconfig,
  [
    "apiVersion: v1",
    "kind: Config",
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
    "users: [{name: u, user: {token: t}}]",
    "contexts: [{name: x, context: {cluster: c, user: u}}]",
    "current-context: x",
  ].join("\n"),
);

// Imports `specifiers`, collects garbage, prints its own figures as JSON.
const probe = `
const { readFileSync } = await import("node:fs");
for (const s of JSON.parse(process.env.PROBE_IMPORTS)) await import(s);
for (let i = 0; i < 3; i++) globalThis.gc();
await new Promise((r) => setTimeout(r, 300));
globalThis.gc();
const status = readFileSync("/proc/self/status", "utf8");
const kib = (f) => Number(new RegExp("^" + f + ":\\\\s+(\\\\d+) kB", "m").exec(status)[1]) / 1024;
const h = process.memoryUsage();
const c = process.cpuUsage();
console.log(JSON.stringify({ rss: kib("VmRSS"), anon: kib("RssAnon"), file: kib("RssFile"),
  used: h.heapUsed / 2 ** 20, total: h.heapTotal / 2 ** 20, external: h.external / 2 ** 20,
  cpu: (c.user + c.system) / 1e6 }));
`;

interface Figures {
  rss: number;
  anon: number;
  file: number;
  used?: number;
  total?: number;
  external?: number;
  cpu: number;
}

function median(samples: Figures[]): Figures {
  const m = (k: keyof Figures): number =>
    samples.map((s) => s[k] ?? NaN).sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  return {
    rss: m("rss"),
    anon: m("anon"),
    file: m("file"),
    used: m("used"),
    total: m("total"),
    external: m("external"),
    cpu: m("cpu"),
  };
}

function imports(specifiers: readonly string[], flags: readonly string[], compileCache: boolean): Figures {
  const samples: Figures[] = [];
  for (let i = 0; i < runs; i++) {
    const env: NodeJS.ProcessEnv = { ...process.env, PROBE_IMPORTS: JSON.stringify(specifiers) };
    delete env.NODE_COMPILE_CACHE;
    if (compileCache) env.NODE_COMPILE_CACHE = cache;
    const result = spawnSync(
      process.execPath,
      [...flags, "--expose-gc", "--input-type=module", "-e", probe],
      { cwd: packageRoot, env, encoding: "utf8" },
    );
    if (result.status !== 0)
      throw new Error(`probe ${specifiers.join(", ")} ${flags.join(" ")}: ${result.stderr}`);
    samples.push(JSON.parse(result.stdout) as Figures);
  }
  return median(samples);
}

/** `stackwarden operator` against an API server that does not answer, read after 8 s. */
async function operator(
  entry: string,
  compileCache: boolean,
  flags: readonly string[] = [],
): Promise<Figures> {
  const samples: Figures[] = [];
  for (let i = 0; i < runs; i++) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_COMPILE_CACHE;
    if (compileCache) env.NODE_COMPILE_CACHE = cache;
    const child = spawn(
      process.execPath,
      [
        ...flags,
        join(packageRoot, entry),
        "operator",
        `--kubeconfig=${kubeconfig}`,
        "--namespaces=startup",
        "--metrics-bind-address=127.0.0.1:0",
        "--health-probe-bind-address=127.0.0.1:0",
        "--log-level=silent",
      ],
      { env, stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await new Promise((r) => setTimeout(r, 8000));
    const s = processStats(child.pid!);
    samples.push({ rss: s.rssMiB, anon: s.anonMiB, file: s.fileMiB, cpu: s.cpuSeconds });
    child.kill("SIGTERM");
    await exited;
  }
  return median(samples);
}

const operatorTs = join(packageRoot, "src", "cli", "operator.ts");
const rows: Array<[string, Figures]> = [];
const row = (label: string, f: Figures): void => {
  rows.push([label, f]);
  process.stderr.write(`${label}: ${mib(f.rss)} MiB\n`);
};
try {
  // Fill the cache for the plain and the --optimize-for-size runs (Node keeps one per V8 flag set).
  imports([operatorTs], [], true);
  imports([operatorTs], ["--optimize-for-size"], true);
  row("node alone", imports([], [], false));
  row("one trivial .ts module", imports([trivial], [], false));
  row("one trivial .ts module, compile cache", imports([trivial], [], true));
  for (const [label, specifiers] of [
    ["js-yaml", ["js-yaml"]],
    [
      "@sinclair/typebox (+ /errors, /value)",
      ["@sinclair/typebox", "@sinclair/typebox/errors", "@sinclair/typebox/value"],
    ],
    ["@opentelemetry/api", ["@opentelemetry/api"]],
    ["prom-client", ["prom-client"]],
    ["pino", ["pino"]],
    ["commander", ["commander"]],
  ] as const)
    row(`${label} alone`, imports(specifiers, [], true));
  row("src/cli/operator.ts, no compile cache", imports([operatorTs], [], false));
  row("src/cli/operator.ts, compile cache", imports([operatorTs], [], true));
  for (const flags of [
    ["--optimize-for-size"],
    ["--max-semi-space-size=1"],
    ["--max-old-space-size=64"],
    ["--single-threaded"],
  ])
    row(`src/cli/operator.ts, compile cache, ${flags.join(" ")}`, imports([operatorTs], flags, true));
  row("`node src/cli/main.ts operator`, no compile cache, 8 s", await operator("src/cli/main.ts", false));
  // bin/stackwarden.js enables the cache itself; the first of its runs fills it.
  await operator("bin/stackwarden.js", true);
  row("`bin/stackwarden.js operator`, compile cache, 8 s", await operator("bin/stackwarden.js", true));
  // The bundle the image runs (scripts/bundle.ts), started as its entrypoint starts it.
  const env = { ...process.env, NODE_COMPILE_CACHE: cache };
  const bundle = relative(packageRoot, bundleWithCompileCache(packageRoot, env, ["--liftoff-only"]));
  row(
    "`dist/main.js operator` (the image's bundle), compile cache, --liftoff-only, 8 s",
    await operator(bundle, true, ["--liftoff-only"]),
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const cell = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "" : mib(x));
console.log(`\nMiB and CPU seconds, median of ${runs} processes (node ${process.version}):\n`);
console.log(
  "| what | RSS | anon / file | heap used / reserved | external | CPU |\n|---|---|---|---|---|---|",
);
for (const [label, f] of rows)
  console.log(
    `| ${label} | ${mib(f.rss)} | ${mib(f.anon)} / ${mib(f.file)} | ${cell(f.used)} / ${cell(f.total)} | ${cell(f.external)} | ${f.cpu.toFixed(2)} |`,
  );
