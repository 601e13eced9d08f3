/**
 * Typed kinds benchmark: prints figures, asserts nothing.
 *
 *   npm run bench:kinds
 *
 * 1. Upstream schema fields not served, per kind and version, counted from the
 *    trimmed field lists in src/operator/kinds/upstream-fields/ (our own
 *    extraction of each upstream CRD: paths only). An upstream API with no
 *    list here is printed as such.
 * 2. The corpus (src/operator/kinds/corpus/) on the test sandbox, through its
 *    integration test: per kind and version, manifests accepted and Ready, and
 *    time to Ready (median, max; polled every 250 ms).
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { operatorCrds } from "../src/operator/install-crds.ts";
import { upstreamCoverage } from "../src/operator/kinds/upstream-fields/coverage.ts";

console.log("Upstream spec fields not served (goal 0 per served version)");
for (const c of await upstreamCoverage(
  new URL("../src/operator/kinds/upstream-fields/", import.meta.url),
  operatorCrds(),
)) {
  const name = `${c.group}/${c.version}${c.kind ? ` ${c.kind}` : ""}`;
  if (c.missing === undefined) console.log(`  ${name}: not served (${c.upstream.length} upstream fields)`);
  else
    console.log(
      `  ${name}: ${c.missing.length} of ${c.upstream.length} missing ${c.missing.slice(0, 5).join(", ")}`,
    );
}

console.log("\nCorpus on the sandbox");
const report = join(tmpdir(), `corpus-report-${process.pid}.json`);
const run = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=1", "src/operator/kinds/corpus.integration.test.ts"],
  { env: { ...process.env, STACKWARDEN_CORPUS_REPORT: report }, encoding: "utf8" },
);
if (run.status !== 0)
  console.log(`  (the corpus test failed; figures below are what it reached)\n${run.stdout.slice(-2000)}`);
type Row = {
  kind: string;
  version: string;
  valid: boolean;
  accepted: boolean;
  ready: boolean;
  readyAfterMs: number | null;
};
const rows = JSON.parse(await readFile(report, "utf8").catch(() => "[]")) as Row[];
const groups = new Map<string, Row[]>();
for (const r of rows)
  groups.set(`${r.kind}/${r.version}`, [...(groups.get(`${r.kind}/${r.version}`) ?? []), r]);
for (const [key, rs] of groups) {
  const valid = rs.filter((r) => r.valid);
  const times = valid.flatMap((r) => (r.readyAfterMs === null ? [] : [r.readyAfterMs])).sort((a, b) => a - b);
  const median = times.length > 0 ? times[Math.floor(times.length / 2)]! : NaN;
  const max = times.length > 0 ? times[times.length - 1]! : NaN;
  console.log(
    `  ${key}: ${rs.length} manifests; valid ${valid.filter((r) => r.accepted).length}/${valid.length} accepted, ` +
      `${valid.filter((r) => r.ready).length}/${valid.length} Ready; invalid refused ` +
      `${rs.filter((r) => !r.valid && !r.accepted).length}/${rs.filter((r) => !r.valid).length}; ` +
      `time to Ready median ${(median / 1000).toFixed(1)} s, max ${(max / 1000).toFixed(1)} s`,
  );
}
