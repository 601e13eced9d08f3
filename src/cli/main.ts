/**
 * The `stackwarden` command line: `stackwarden help` lists the commands, `stackwarden <command>
 * --help` a command's flags (src/cli/program.ts declares them). Exit codes are in docs/cli.md.
 */
import { runSandboxCommand, runSandboxRestart } from "./sandbox-command.ts";
import { runUp } from "./up.ts";
import { runServer } from "./server.ts";
import { runOperator } from "./operator.ts";
import { runCli } from "./program.ts";
import { versionReport } from "./version.ts";
import { manifestsYaml } from "../operator/manifests.ts";
import { controlPlaneManifests } from "../controlplane/manifests.ts";
import { agentManifests } from "../controlplane/agent/agent-manifests.ts";
import { runAgent } from "./agent.ts";
import { runKubectl } from "../sandbox/sandbox.ts";

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    up: runUp,
    server: runServer,
    operator: runOperator,
    agent: runAgent,
    sandbox: runSandboxCommand,
    sandboxRestart: runSandboxRestart,
    manifests: (plane) => {
      const objects = {
        operator: undefined,
        "control-plane": controlPlaneManifests(),
        agent: agentManifests(),
      }[plane];
      process.stdout.write(manifestsYaml(objects));
      return Promise.resolve(0);
    },
    kubectl: (args) =>
      runKubectl({ name: process.env.STACKWARDEN_SANDBOX ?? "default", env: process.env }, [...args]),
    version: () => {
      process.stdout.write(versionReport());
      return Promise.resolve(0);
    },
  });
} catch (e: unknown) {
  process.stderr.write(`stackwarden: ${e instanceof Error ? e.message : String(e)}\n`);
  // A command that failed to start must not linger with half its parts running (watches, timers).
  process.exit(1);
}
