/**
 * Test helpers for the chart: the `helm` binary (built from its Go module and
 * cached, see src/sandbox/go-tool.ts) and `helm template` parsed into objects.
 */
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAll } from "js-yaml";
import type { KubeObject } from "../api/object.ts";
import { ensureGoTool, goTools } from "../sandbox/go-tool.ts";
import { chartDir } from "./chart-files.ts";

/** The path of `helm`, built once per machine. */
export function helmBinary(): Promise<string> {
  return ensureGoTool({
    ...goTools.helm,
    env: process.env,
    progress: (l) => void process.stderr.write(`${l}\n`),
  });
}

// helm keeps repositories and plugins under these; the user's own stay untouched.
const helmHome = join(tmpdir(), "stackwarden-helm");
const helmHomes = {
  HELM_CACHE_HOME: join(helmHome, "cache"),
  HELM_CONFIG_HOME: join(helmHome, "config"),
  HELM_DATA_HOME: join(helmHome, "data"),
};

/** Runs helm with `args`; throws with helm's output when it fails. */
export async function helm(args: readonly string[]): Promise<string> {
  const result = spawnSync(await helmBinary(), args, {
    encoding: "utf8",
    env: { ...process.env, ...helmHomes },
  });
  if (result.status !== 0)
    throw new Error(
      `helm ${args.join(" ")} failed (exit ${result.status}):\n${result.stderr}${result.stdout}`,
    );
  return result.stdout;
}

/** `helm template` of the chart with `--set` values, as objects (CRDs included). */
export async function renderChart(
  release: string,
  namespace: string,
  values: Readonly<Record<string, string>> = {},
): Promise<KubeObject[]> {
  const set = Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
  const text = await helm([
    "template",
    release,
    chartDir,
    "--namespace",
    namespace,
    "--include-crds",
    ...set,
  ]);
  return (loadAll(text) as Array<KubeObject | null>).filter((o): o is KubeObject => o !== null);
}
