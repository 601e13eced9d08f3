/**
 * kro (kubernetes-sigs/kro), the Go controller the peer benchmark runs beside ours: its
 * controller binary, built from the Go module like the test tools (src/sandbox/go-tool.ts)
 * and cached, and its CRDs, read from the same module in Go's module cache.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureGoTool, type GoTool } from "../src/sandbox/go-tool.ts";

/**
 * kro's controller at the version the module proxy serves; its go.mod has no `replace`. `go install`
 * names the binary after the package folder, `controller`.
 */
export const kroTool = {
  name: "controller",
  module: "github.com/kubernetes-sigs/kro",
  version: "v0.9.4",
  pkg: "github.com/kubernetes-sigs/kro/cmd/controller",
} as const satisfies GoTool;

/** The path of kro's controller binary, built once per machine (minutes, one Go build at a time). */
export function kroBinary(): Promise<string> {
  return ensureGoTool({
    ...kroTool,
    env: process.env,
    progress: (l) => void process.stderr.write(`${l}\n`),
  });
}

/** The folder of kro's CRD manifests (`helm/crds`), downloaded into Go's module cache if missing. */
export function kroCrdDir(): string {
  const result = spawnSync("go", ["mod", "download", "-json", `${kroTool.module}@${kroTool.version}`], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`go mod download ${kroTool.module} failed:\n${result.stderr}`);
  const { Dir } = JSON.parse(result.stdout) as { Dir: string };
  return join(Dir, "helm", "crds");
}

if (import.meta.main) console.log(await kroBinary());
