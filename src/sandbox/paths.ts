import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The root of the Stackwarden package: the nearest folder above this module holding Stackwarden's
 * package.json. Searched rather than counted, so that the same answer comes from src/sandbox/ and
 * from the bundle's dist/ (scripts/bundle.ts).
 */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "stackwarden"
    )
      return dir;
    if (dirname(dir) === dir) return resolve(from, "..", "..");
  }
}

/** Stackwarden's own version, from its package.json (`stackwarden version`, the API's OpenAPI document, an agent's hello). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}

/** The Go module that builds `sandbox-bin`. */
export const goModuleDir: string = join(packageRoot, "src", "sandbox", "go");

/** Where every file of one sandbox lives, all under one folder. */
export interface SandboxPaths {
  readonly name: string;
  readonly dir: string;
  readonly state: string;
  readonly lock: string;
  readonly kubeconfig: string;
  readonly pki: string;
  readonly etcdData: string;
  readonly logs: string;
  readonly certs: string;
  readonly stages: string;
  /** KWOK's `ClusterLogs` and `ClusterExec` (see kwok-debugging.ts). */
  readonly debugging: string;
  /** Put first on KWOK's PATH: the stand-in `rcon-cli` and `send-command` that `pods/exec` runs. */
  readonly bin: string;
  /** The log files `pods/log` serves, and the stand-ins append to. */
  readonly podLogs: string;
}

/** Environment variables that change where Stackwarden keeps its files. */
export interface PathEnv {
  readonly XDG_CACHE_HOME?: string | undefined;
  readonly STACKWARDEN_STATE_DIR?: string | undefined;
  readonly STACKWARDEN_CACHE_DIR?: string | undefined;
}

const validName = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

/**
 * Returns the folders of the sandbox called `name`. Sandboxes with different
 * names run side by side; the developer's is `default`, the test suite's `test`.
 * Throws when the name could not be a folder name.
 */
export function sandboxPaths(name: string, env: PathEnv): SandboxPaths {
  if (!validName.test(name)) {
    throw new Error(`sandbox name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`);
  }
  const root = env.STACKWARDEN_STATE_DIR ?? join(packageRoot, ".stackwarden");
  const dir = join(root, "sandbox", name);
  return {
    name,
    dir,
    state: join(dir, "state.json"),
    lock: join(root, "sandbox", `${name}.lock`),
    kubeconfig: join(dir, "kubeconfig"),
    pki: join(dir, "pki"),
    etcdData: join(dir, "etcd"),
    logs: join(dir, "logs"),
    certs: join(dir, "apiserver-certs"),
    stages: join(dir, "kwok-stages.yaml"),
    debugging: join(dir, "kwok-debugging.yaml"),
    bin: join(dir, "bin"),
    podLogs: join(dir, "pod-logs"),
  };
}

/** The user's cache folder for Stackwarden: `$XDG_CACHE_HOME/stackwarden`, else `~/.cache/stackwarden`. */
export function cacheDir(env: PathEnv): string {
  if (env.STACKWARDEN_CACHE_DIR) return env.STACKWARDEN_CACHE_DIR;
  const base =
    env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== "" ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(base, "stackwarden");
}
