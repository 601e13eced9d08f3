import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { componentArgs, componentNames, type ComponentName } from "./components.ts";
import { withLock } from "./lock.ts";
import { sandboxPaths } from "./paths.ts";
import { spawnDetached, stopProcess } from "./process.ts";
import { apiserverReady, clusterUsable, etcdHealthy } from "./probes.ts";
import { isOurs, readState, writeState, type SandboxOptions, type SandboxState } from "./sandbox.ts";
import { waitFor } from "./wait.ts";

const restartTimeoutMs = 120_000;

/**
 * `name` as a sandbox component, or an error that names the accepted ones. Pure, so a typo on the
 * command line is refused before anything is stopped.
 */
export function parseComponentName(name: string): ComponentName {
  const found = componentNames.find((c) => c === name);
  if (found === undefined)
    throw new Error(`unknown sandbox component ${JSON.stringify(name)}: one of ${componentNames.join(", ")}`);
  return found;
}

/**
 * Restarts one component of a running sandbox in place, as a crash and a supervisor's restart
 * would: the process is stopped (SIGTERM, SIGKILL after `graceMs`) and started again with the same
 * arguments, so the same ports, data, certificates (the API server reuses the serving certificate
 * in its cert folder) and tokens; every kubeconfig of the sandbox keeps working. Resolves once the
 * component serves again: etcd healthy, the API server ready over TLS verified against the
 * sandbox's CA, or (for the others) the cluster usable. Holds the sandbox's lock, so it never runs
 * beside `up` or `down`. Throws, changing nothing, when no healthy-looking sandbox of that name
 * runs. Returns the new state.
 */
export async function restartSandboxComponent(
  options: SandboxOptions,
  component: ComponentName,
  { graceMs = 10_000 }: { graceMs?: number } = {},
): Promise<SandboxState> {
  const paths = sandboxPaths(options.name, options.env);
  return withLock(paths.lock, async () => {
    const state = await readState(paths);
    const pid = state?.pids[component];
    if (state === undefined || pid === undefined)
      throw new Error(
        `no sandbox "${options.name}" is running; start one with \`npx stackwarden sandbox up\``,
      );
    if (isOurs(pid, state.binary)) await stopProcess(pid, graceMs);
    const logFile = join(paths.logs, `${component}.log`);
    const next: SandboxState = {
      ...state,
      pids: {
        ...state.pids,
        [component]: spawnDetached(state.binary, componentArgs(component, paths, state.ports), logFile),
      },
    };
    await writeState(paths, next);
    options.log(`  restarted ${component} (pid ${next.pids[component]})`);
    const watched = { pid: next.pids[component]!, logFile };
    const ca = await readFile(join(paths.pki, "ca.crt"), "utf8");
    switch (component) {
      case "etcd":
        await waitFor(
          "etcd to be healthy",
          restartTimeoutMs,
          () => etcdHealthy(state.ports.etcdClient),
          watched,
        );
        break;
      case "kube-apiserver":
        await waitFor(
          "kube-apiserver to be ready",
          restartTimeoutMs,
          () => apiserverReady(state.ports.apiserver, ca),
          watched,
        );
        break;
      default:
        await waitFor(
          "the cluster to be usable",
          restartTimeoutMs,
          () => clusterUsable(state.kubeconfig),
          watched,
        );
    }
    return next;
  });
}
