import { sandboxDown, sandboxStatus, sandboxUp } from "../sandbox/sandbox.ts";
import { readyNodeCount } from "../sandbox/probes.ts";
import { parseComponentName, restartSandboxComponent } from "../sandbox/restart-component.ts";

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** `stackwarden sandbox <up|down|status|kubeconfig> [--name NAME]`; resolves to the exit code. */
export async function runSandboxCommand(
  action: "up" | "down" | "status" | "kubeconfig",
  name: string,
): Promise<number> {
  const options = { name, env: process.env, log };
  switch (action) {
    case "up": {
      const sandbox = await sandboxUp(options);
      log(
        sandbox.reused
          ? `sandbox ${sandbox.name} is already running at ${sandbox.server}`
          : `sandbox ${sandbox.name} is running at ${sandbox.server}`,
      );
      log(`  kubeconfig: ${sandbox.kubeconfig}`);
      log(`  try:        npx stackwarden kubectl get nodes`);
      return 0;
    }
    case "down": {
      const stopped = await sandboxDown(options);
      log(
        stopped
          ? `sandbox ${options.name} stopped`
          : `no sandbox ${options.name} is running; nothing to stop`,
      );
      return 0;
    }
    case "status": {
      const status = await sandboxStatus(options);
      if (!status.state) {
        log(`sandbox ${options.name}: not running`);
        return 3;
      }
      log(`sandbox ${options.name}: ${status.running ? "running" : `not healthy (${status.problem})`}`);
      log(`  server:     ${status.state.server}`);
      log(`  kubeconfig: ${status.state.kubeconfig}`);
      log(`  started:    ${status.state.startedAt}`);
      for (const c of status.components) {
        log(
          `  ${c.name.padEnd(24)} ${c.alive ? "running" : "stopped"}${c.pid === undefined ? "" : ` (pid ${c.pid})`}`,
        );
      }
      if (status.running) {
        const nodes = await readyNodeCount(status.state.kubeconfig);
        log(`  nodes:      ${nodes.ready}/${nodes.total} Ready`);
      }
      return status.running ? 0 : 3;
    }
    case "kubeconfig": {
      const status = await sandboxStatus(options);
      if (!status.state) {
        log(`no sandbox ${options.name} is running; start one with \`npx stackwarden sandbox up\``);
        return 1;
      }
      process.stdout.write(`${status.state.kubeconfig}\n`);
      return 0;
    }
  }
}

/** `stackwarden sandbox restart COMPONENT [--name NAME]`: one component again, same ports, certificates and data. */
export async function runSandboxRestart(component: string, name: string): Promise<number> {
  const options = { name, env: process.env, log };
  const which = parseComponentName(component);
  await restartSandboxComponent(options, which);
  log(`sandbox ${name}: ${which} restarted`);
  return 0;
}
