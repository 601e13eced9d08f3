import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ensureSandboxBinary } from "./binary.ts";
import { componentArgs, componentNames, type ComponentName, type SandboxPorts } from "./components.ts";
import { lastPemBlock, renderKubeconfig } from "./kubeconfig.ts";
import { isErrno, withLock } from "./lock.ts";
import { kwokEnvironment, writeKwokDebugging } from "./kwok-debugging.ts";
import { packageRoot, sandboxPaths, type PathEnv, type SandboxPaths } from "./paths.ts";
import { freePorts } from "./ports.ts";
import { isProcessAlive, spawnDetached, stopProcess } from "./process.ts";
import { etcdHealthy, apiserverReady, clusterUsable } from "./probes.ts";
import { waitFor, SandboxStartError } from "./wait.ts";

/** What `state.json` records about a running sandbox; enough to reach it and to stop it. */
export interface SandboxState {
  readonly version: 1;
  readonly name: string;
  readonly binary: string;
  readonly ports: SandboxPorts;
  readonly pids: Partial<Record<ComponentName, number>>;
  readonly server: string;
  readonly kubeconfig: string;
  readonly startedAt: string;
}

export interface SandboxOptions {
  readonly name: string;
  readonly env: PathEnv & { readonly PATH?: string | undefined };
  readonly log: (line: string) => void;
}

export interface SandboxInfo {
  readonly name: string;
  readonly kubeconfig: string;
  readonly server: string;
  /** True when a healthy sandbox was already running and was reused. */
  readonly reused: boolean;
  readonly state: SandboxState;
}

const startTimeoutMs = 120_000;

/**
 * Starts the sandbox called `options.name`, or returns the one already running.
 *
 * Resolves only when the API server is ready, a node is Ready and the `default`
 * ServiceAccount exists. Idempotent and safe to call concurrently: callers
 * queue on a lock and all get the same sandbox. A sandbox left behind by a
 * killed or crashed run is stopped and wiped first. On failure, every process
 * this call started is stopped and the error names the component and quotes
 * its log.
 */
export async function sandboxUp(options: SandboxOptions): Promise<SandboxInfo> {
  const paths = sandboxPaths(options.name, options.env);
  await mkdir(dirname(paths.lock), { recursive: true });
  return withLock(paths.lock, async () => {
    const existing = await readState(paths);
    if (existing) {
      const problem = await inspect(existing);
      if (problem === undefined) {
        await waitFor("the cluster to be usable", startTimeoutMs, () => clusterUsable(existing.kubeconfig));
        return info(existing, true);
      }
      options.log(`sandbox ${options.name}: cleaning up a sandbox that is not healthy (${problem})`);
      await stopAll(existing);
    }
    const binary = await ensureSandboxBinary({ env: options.env, progress: options.log });
    for (let attempt = 1; ; attempt++) {
      await rm(paths.dir, { recursive: true, force: true });
      try {
        return info(await start(paths, binary, options.log), false);
      } catch (e: unknown) {
        const state = await readState(paths);
        if (state) await stopAll(state);
        // A port taken between choosing it and binding it is the usual cause; try fresh ports once.
        if (attempt >= 2 || !(e instanceof SandboxStartError)) throw e;
        options.log(
          `sandbox ${options.name}: start failed (${e.message.split("\n")[0]}); retrying with new ports`,
        );
      }
    }
  });
}

/**
 * Stops every process of the sandbox and removes its folder. Resolves to false
 * when no sandbox of that name was there.
 */
export async function sandboxDown(options: SandboxOptions): Promise<boolean> {
  const paths = sandboxPaths(options.name, options.env);
  await mkdir(dirname(paths.lock), { recursive: true });
  return withLock(paths.lock, async () => {
    const state = await readState(paths);
    if (!state) {
      await rm(paths.dir, { recursive: true, force: true });
      return false;
    }
    await stopAll(state);
    await rm(paths.dir, { recursive: true, force: true });
    return true;
  });
}

export interface SandboxStatus {
  readonly name: string;
  readonly running: boolean;
  readonly problem?: string;
  readonly state?: SandboxState;
  readonly components: ReadonlyArray<{
    readonly name: ComponentName;
    readonly pid?: number;
    readonly alive: boolean;
  }>;
}

/** Reports what runs of the sandbox, without changing anything. */
export async function sandboxStatus(options: Pick<SandboxOptions, "name" | "env">): Promise<SandboxStatus> {
  const paths = sandboxPaths(options.name, options.env);
  const state = await readState(paths);
  if (!state) return { name: options.name, running: false, problem: "not started", components: [] };
  const problem = await inspect(state);
  const components = componentNames.map((name) => {
    const pid = state.pids[name];
    return pid === undefined ? { name, alive: false } : { name, pid, alive: isOurs(pid, state.binary) };
  });
  return problem === undefined
    ? { name: options.name, running: true, state, components }
    : { name: options.name, running: false, problem, state, components };
}

/** Runs the bundled kubectl against the sandbox; returns its exit code. */
export async function runKubectl(
  options: Pick<SandboxOptions, "name" | "env">,
  args: readonly string[],
): Promise<number> {
  const state = await readState(sandboxPaths(options.name, options.env));
  if (!state)
    throw new Error(`no sandbox "${options.name}" is running; start one with \`npx stackwarden sandbox up\``);
  const result = spawnSync(state.binary, ["kubectl", `--kubeconfig=${state.kubeconfig}`, ...args], {
    stdio: "inherit",
  });
  return result.status ?? 1;
}

/** Reads `state.json`, or undefined when there is none. */
export async function readState(paths: SandboxPaths): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await readFile(paths.state, "utf8")) as SandboxState;
  } catch (e: unknown) {
    if (isErrno(e, "ENOENT") || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

function info(state: SandboxState, reused: boolean): SandboxInfo {
  return { name: state.name, kubeconfig: state.kubeconfig, server: state.server, reused, state };
}

/** Why a recorded sandbox is not healthy, or undefined when it is. */
async function inspect(state: SandboxState): Promise<string | undefined> {
  for (const name of componentNames) {
    const pid = state.pids[name];
    if (pid === undefined) return `${name} was never started`;
    if (!isOurs(pid, state.binary)) return `${name} (pid ${pid}) is not running`;
  }
  const ca = await readFile(join(dirname(state.kubeconfig), "pki", "ca.crt"), "utf8").catch(() => undefined);
  if (ca === undefined || !(await apiserverReady(state.ports.apiserver, ca)))
    return "the API server is not ready";
  return undefined;
}

/** True when `pid` is alive and is one of our sandbox processes, not a stranger that reused the pid. */
export function isOurs(pid: number, binary: string): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(binary);
  } catch {
    // No /proc (not Linux): trust the pid.
    return process.platform !== "linux";
  }
}

async function stopAll(state: SandboxState): Promise<void> {
  for (const name of [...componentNames].reverse()) {
    const pid = state.pids[name];
    if (pid !== undefined && isOurs(pid, state.binary)) await stopProcess(pid);
  }
}

/** Replaces `state.json` atomically (write, then rename). */
export async function writeState(paths: SandboxPaths, state: SandboxState): Promise<void> {
  const tmp = `${paths.state}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, paths.state);
}

async function start(
  paths: SandboxPaths,
  binary: string,
  log: (line: string) => void,
): Promise<SandboxState> {
  const started = Date.now();
  for (const dir of [paths.dir, paths.pki, paths.logs, paths.certs, paths.etcdData]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  await copyFile(join(packageRoot, "src", "sandbox", "kwok-stages.yaml"), paths.stages);
  await writeKwokDebugging(paths, new Date());
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(
    join(paths.pki, "service-account.key"),
    privateKey.export({ type: "pkcs8", format: "pem" }),
    {
      mode: 0o600,
    },
  );
  const token = randomBytes(32).toString("hex");
  await writeFile(join(paths.pki, "tokens.csv"), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });

  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok] = await freePorts(6);
  const ports: SandboxPorts = {
    etcdClient: etcdClient!,
    etcdPeer: etcdPeer!,
    apiserver: apiserver!,
    controllerManager: controllerManager!,
    scheduler: scheduler!,
    kwok: kwok!,
  };
  const pids: Partial<Record<ComponentName, number>> = {};
  const state: SandboxState = {
    version: 1,
    name: paths.name,
    binary,
    ports,
    pids,
    server: `https://127.0.0.1:${ports.apiserver}`,
    kubeconfig: paths.kubeconfig,
    startedAt: new Date().toISOString(),
  };
  const launch = async (name: ComponentName): Promise<{ pid: number; logFile: string }> => {
    const logFile = join(paths.logs, `${name}.log`);
    const env = name === "kwok" ? kwokEnvironment(paths, process.env) : process.env;
    pids[name] = spawnDetached(binary, componentArgs(name, paths, ports), logFile, env);
    await writeState(paths, state);
    log(`  started ${name} (pid ${pids[name]})`);
    return { pid: pids[name], logFile };
  };

  const etcd = await launch("etcd");
  await waitFor("etcd to be healthy", startTimeoutMs, () => etcdHealthy(ports.etcdClient), etcd);

  const api = await launch("kube-apiserver");
  const bundle = join(paths.certs, "apiserver.crt");
  let ca = "";
  await waitFor(
    "kube-apiserver to be ready",
    startTimeoutMs,
    async () => {
      const pem = await readFile(bundle, "utf8").catch(() => undefined);
      ca = (pem && lastPemBlock(pem)) ?? "";
      return ca !== "" && (await apiserverReady(ports.apiserver, ca));
    },
    api,
  );
  await writeFile(join(paths.pki, "ca.crt"), ca);
  await writeFile(
    paths.kubeconfig,
    renderKubeconfig({ name: paths.name, server: state.server, caPem: ca, token }),
    {
      mode: 0o600,
    },
  );

  for (const name of ["kube-controller-manager", "kube-scheduler", "kwok"] as const) await launch(name);

  const apply = spawnSync(
    binary,
    [
      "kubectl",
      `--kubeconfig=${paths.kubeconfig}`,
      "apply",
      "--server-side",
      "--field-manager=stackwarden-sandbox",
      "-f",
      join(packageRoot, "src", "sandbox", "sandbox-bootstrap.yaml"),
    ],
    { encoding: "utf8" },
  );
  if (apply.status !== 0) {
    throw new SandboxStartError(`applying the sandbox's nodes and StorageClass failed:\n${apply.stderr}`);
  }
  await waitFor("a Ready node and the default ServiceAccount", startTimeoutMs, () =>
    clusterUsable(paths.kubeconfig),
  );
  log(`  sandbox ${paths.name} is ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return state;
}
