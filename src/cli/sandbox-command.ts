import { parseArgs } from "node:util";
import { sandboxDown, sandboxStatus, sandboxUp } from "../sandbox/sandbox.ts";
import { readyNodeCount } from "../sandbox/probes.ts";
import { parseComponentName, restartSandboxComponent } from "../sandbox/restart-component.ts";

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** `stackwarden sandbox <up|down|status|kubeconfig|restart COMPONENT> [--name NAME]`; resolves to the exit code. */
export async function runSandboxCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: "string", default: process.env.STACKWARDEN_SANDBOX ?? "default" } },
  });
  const options = { name: values.name, env: process.env, log };
  switch (positionals[0]) {
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
    case "restart": {
      const component = parseComponentName(positionals[1] ?? "");
      await restartSandboxComponent(options, component);
      log(`sandbox ${options.name}: ${component} restarted`);
      return 0;
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
    default:
      log(
        `stackwarden sandbox: expected up, down, status, kubeconfig or restart, got ${JSON.stringify(positionals[0] ?? "")}`,
      );
      return 2;
  }
}
