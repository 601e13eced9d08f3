import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ensureCachedBuild } from "./cached-build.ts";
import { runGoBuild } from "./go-build.ts";
import { cacheDir, type PathEnv } from "./paths.ts";

/** A command-line tool built from a Go module, the way the sandbox binary is. */
export interface GoTool {
  /** The binary's name, and the name of the file in the cache. */
  readonly name: string;
  /** The Go module, e.g. `helm.sh/helm/v4`. */
  readonly module: string;
  /** A version the Go module proxy serves, e.g. `v4.3.2`. */
  readonly version: string;
  /** The main package inside the module, e.g. `helm.sh/helm/v4/cmd/helm`. */
  readonly pkg: string;
  /** Extra `-X` linker settings, typically to stamp the version the tool reports. */
  readonly ldflags?: readonly string[];
  /**
   * The module's go.mod has `replace` directives, which `go install pkg@version`
   * refuses: the module's source is downloaded (`go mod download`) and the
   * package built there with `go build`, as the main module, replacements and all.
   */
  readonly asMainModule?: boolean;
}

/**
 * The tools the tests use: `helm` for the chart, `promtool` for the alert rules,
 * `amtool` for Alertmanager configuration, `weed` (SeaweedFS) as the
 * S3-compatible server of the backup tests. The first three have no `replace`
 * directives, so `go install module/pkg@version` builds them as released;
 * SeaweedFS has one, so it is built as the main module of its own source.
 */
export const goTools = {
  helm: {
    name: "helm",
    module: "helm.sh/helm/v4",
    version: "v4.3.2",
    pkg: "helm.sh/helm/v4/cmd/helm",
    ldflags: ["-X helm.sh/helm/v4/internal/version.version=v4.3.2"],
  },
  promtool: {
    name: "promtool",
    module: "github.com/prometheus/prometheus",
    version: "v0.316.0",
    pkg: "github.com/prometheus/prometheus/cmd/promtool",
  },
  amtool: {
    name: "amtool",
    module: "github.com/prometheus/alertmanager",
    version: "v0.35.0",
    pkg: "github.com/prometheus/alertmanager/cmd/amtool",
  },
  weed: {
    name: "weed",
    module: "github.com/seaweedfs/seaweedfs",
    version: "v0.0.0-20261109003541-7506e5f91cd6",
    pkg: "github.com/seaweedfs/seaweedfs/weed",
    asMainModule: true,
  },
} as const satisfies Record<string, GoTool>;

/** Why a Go tool could not be had. */
export class GoToolBuildError extends Error {
  override readonly name = "GoToolBuildError";
  readonly code: "GoMissing" | "BuildFailed";
  constructor(code: GoToolBuildError["code"], message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The arguments of `go install` for `tool` (or of `go build`, run in the
 * module's source, for {@link GoTool.asMainModule}); part of the cache key.
 */
export function installArgs(tool: GoTool): string[] {
  const ldflags = ["-s", "-w", ...(tool.ldflags ?? [])].join(" ");
  const flags = ["-v", "-trimpath", "-ldflags", ldflags];
  if (tool.asMainModule) return ["build", ...flags, `.${tool.pkg.slice(tool.module.length)}`];
  return ["install", ...flags, `${tool.pkg}@${tool.version}`];
}

/**
 * The cache folder's name for `tool`: readable (name and version) plus a hash of
 * everything that goes into the build, so a changed module, package or flag never
 * reuses an old binary.
 */
export function toolCacheKey(tool: GoTool): string {
  const hash = createHash("sha256")
    .update([tool.module, tool.version, tool.pkg, ...installArgs(tool)].join("\0"))
    .digest("hex")
    .slice(0, 12);
  return `${tool.name}-${tool.version}-${hash}`;
}

/** Options of {@link ensureGoTool}: the tool, where the cache is, and where progress goes. */
export interface EnsureGoToolOptions extends GoTool {
  readonly env: PathEnv;
  /** Receives a line when a build starts, every 15 s while it runs, and when it ends. */
  readonly progress: (line: string) => void;
}

/**
 * Returns the path of the tool's binary, building it with the machine's Go from
 * the Go module proxy when the cache has none for this module, version and package.
 * One Go build runs at a time across processes (they are CPU-heavy): concurrent
 * callers wait on a lock and reuse the result. A failed build leaves nothing in
 * the cache; the binary appears in the cache only complete (built aside, then renamed).
 */
export async function ensureGoTool(options: EnsureGoToolOptions): Promise<string> {
  const root = join(cacheDir(options.env), "go-tools");
  const finalDir = join(root, toolCacheKey(options));
  return ensureCachedBuild({
    dir: finalDir,
    binary: options.name,
    lock: join(root, "build.lock"),
    build: (into) => runInstall(options, into),
  });
}

function checkGo(tool: GoTool): void {
  const result = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  if (result.error) {
    throw new GoToolBuildError(
      "GoMissing",
      `${tool.name} is built from its Go module ${tool.module} and needs the Go toolchain (1.26 or newer), ` +
        "but `go` is not on PATH. Install Go and run the command again.",
      { cause: result.error },
    );
  }
}

/**
 * Downloads a module's source into the Go module cache (read-only there, which a build needs not
 * change) with `go mod download -json module@version`; its folder. A module already there is not
 * fetched again.
 */
export function moduleSource(tool: Pick<GoTool, "module" | "version">, env: NodeJS.ProcessEnv): string {
  const result = spawnSync("go", ["mod", "download", "-json", `${tool.module}@${tool.version}`], {
    env: { ...env, GOFLAGS: "-mod=mod" },
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  const dir = result.status === 0 ? (JSON.parse(result.stdout) as { Dir?: string }).Dir : undefined;
  if (dir === undefined)
    throw new GoToolBuildError(
      "BuildFailed",
      `go mod download ${tool.module}@${tool.version} failed (exit ${result.status}): ${result.stderr.slice(-2000)}`,
    );
  return dir;
}

async function runInstall(options: EnsureGoToolOptions, gobin: string): Promise<void> {
  checkGo(options);
  const { name, module, version, progress } = options;
  progress(`building ${name} from ${module}@${version} with Go; the first build takes minutes and is cached`);
  const args = installArgs(options);
  let cwd: string | undefined;
  if (options.asMainModule) {
    cwd = moduleSource(options, process.env);
    // Flags go before the package.
    args.splice(args.length - 1, 0, "-o", join(gobin, name));
  }
  const built = await runGoBuild({
    args,
    ...(cwd === undefined ? {} : { cwd }),
    env: { GOBIN: gobin },
    label: `building ${name}`,
    progress,
  });
  if (!built.ok)
    throw new GoToolBuildError(
      "BuildFailed",
      `go ${args[0]} ${options.pkg}@${version} failed ${built.failure}`,
    );
  progress(`built ${name} ${version} in ${built.elapsed} (${built.packages} packages)`);
}
