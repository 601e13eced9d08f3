import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ensureCachedBuild } from "./cached-build.ts";
import { runGoBuild } from "./go-build.ts";
import { cacheDir, goModuleDir, type PathEnv } from "./paths.ts";
import { kubernetesVersion } from "./versions.ts";

/** Why the sandbox binary could not be had. */
export class SandboxBuildError extends Error {
  override readonly name = "SandboxBuildError";
  readonly code: "GoMissing" | "GoTooOld" | "BuildFailed";
  constructor(code: SandboxBuildError["code"], message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The flags that go into the build; part of the cache key. */
export function buildArgs(output: string, version: string = kubernetesVersion): string[] {
  const [, major = "1", minor = "0"] = /^v(\d+)\.(\d+)/.exec(version) ?? [];
  const ldflags = [
    "-s",
    "-w",
    `-X k8s.io/component-base/version.gitVersion=${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    "-X k8s.io/component-base/version.gitTreeState=clean",
    `-X k8s.io/client-go/pkg/version.gitVersion=${version}`,
  ].join(" ");
  return ["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", output, "."];
}

/**
 * The cache key: a hash of every build input (go.mod, go.sum, the Go sources
 * and the build flags). The Go toolchain's version is deliberately left out, so
 * a cached binary still serves a machine whose Go was removed or upgraded.
 */
export function cacheKey(files: ReadonlyArray<readonly [name: string, content: string]>): string {
  const hash = createHash("sha256");
  for (const [name, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`${name}\0${content}\0`);
  }
  hash.update(buildArgs("OUT").join("\0"));
  return hash.digest("hex").slice(0, 16);
}

async function buildInputs(): Promise<Array<[string, string]>> {
  const names = (await readdir(goModuleDir)).filter(
    (n) => n.endsWith(".go") || n === "go.mod" || n === "go.sum",
  );
  return Promise.all(
    names.map(async (n): Promise<[string, string]> => [n, await readFile(join(goModuleDir, n), "utf8")]),
  );
}

export interface EnsureBinaryOptions {
  readonly env: PathEnv & { readonly PATH?: string | undefined };
  /** Receives progress lines while a build runs. */
  readonly progress: (line: string) => void;
}

/**
 * Returns the path of `sandbox-bin`, building it first when the cache has no
 * binary for the current build inputs. Concurrent callers build once: the rest
 * wait on a lock and reuse the result. A failed build leaves nothing in the cache.
 */
export async function ensureSandboxBinary(options: EnsureBinaryOptions): Promise<string> {
  const key = cacheKey(await buildInputs());
  const root = join(cacheDir(options.env), "sandbox");
  const finalDir = join(root, key);
  return ensureCachedBuild({
    dir: finalDir,
    binary: "sandbox-bin",
    lock: join(root, `${key}.lock`),
    build: async (into) => {
      checkGo();
      await runBuild(join(into, "sandbox-bin"), options.progress);
    },
  });
}

function checkGo(): void {
  const result = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  if (result.error) {
    throw new SandboxBuildError(
      "GoMissing",
      "The sandbox is built from the Kubernetes Go modules and needs the Go toolchain (1.26 or newer), " +
        "but `go` is not on PATH. Install Go 1.26+ (for example Debian's golang package of that version, " +
        "or the official tarball) and run the command again.",
      { cause: result.error },
    );
  }
  const version = result.stdout.trim();
  const m = /^go1\.(\d+)/.exec(version);
  if (!m || Number(m[1]) < 26) {
    throw new SandboxBuildError(
      "GoTooOld",
      `The sandbox needs Go 1.26 or newer to build Kubernetes ${kubernetesVersion}; \`go\` on PATH is ${version || "unknown"}.`,
    );
  }
}

async function runBuild(output: string, progress: (line: string) => void): Promise<void> {
  progress(
    `building the sandbox (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, kubectl ` +
      `from Kubernetes ${kubernetesVersion}); the first build takes many minutes and is cached`,
  );
  const built = await runGoBuild({ args: buildArgs(output), cwd: goModuleDir, label: "building", progress });
  if (!built.ok)
    throw new SandboxBuildError("BuildFailed", `go build of the sandbox failed ${built.failure}`);
  progress(`built the sandbox in ${built.elapsed} (${built.packages} packages)`);
}
