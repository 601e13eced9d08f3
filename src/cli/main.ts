/**
 * The `stackwarden` command line: `stackwarden help` lists the commands, `stackwarden <command>
 * --help` a command's flags (src/cli/program.ts declares them). Exit codes are in docs/cli.md.
 */
import { runCli } from "./program.ts";
import { preferSmallHeap } from "./small-heap.ts";

// Each command loads only its own modules: the operator never loads the control plane, PGlite or
// fastify, and `version` loads next to nothing (see docs/performance.md).
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    up: async (flags) => (preferSmallHeap(), (await import("./up.ts")).runUp(flags)),
    server: async (flags) => (preferSmallHeap(), (await import("./server.ts")).runServer(flags)),
    operator: async (flags) => (preferSmallHeap(), (await import("./operator.ts")).runOperator(flags)),
    agent: async (flags) => (preferSmallHeap(), (await import("./agent.ts")).runAgent(flags)),
    sandbox: async (...args) => (await import("./sandbox-command.ts")).runSandboxCommand(...args),
    sandboxRestart: async (...args) => (await import("./sandbox-command.ts")).runSandboxRestart(...args),
    manifests: async (plane) => {
      const { manifestsYaml } = await import("../operator/manifests.ts");
      const objects =
        plane === "control-plane"
          ? (await import("../controlplane/manifests.ts")).controlPlaneManifests()
          : plane === "agent"
            ? (await import("../controlplane/agent/agent-manifests.ts")).agentManifests()
            : undefined;
      process.stdout.write(manifestsYaml(objects));
      return 0;
    },
    kubectl: async (args) =>
      (await import("../sandbox/sandbox.ts")).runKubectl(
        { name: process.env.STACKWARDEN_SANDBOX ?? "default", env: process.env },
        [...args],
      ),
    version: async () => {
      process.stdout.write((await import("./version.ts")).versionReport());
      return 0;
    },
  });
} catch (e: unknown) {
  process.stderr.write(`stackwarden: ${e instanceof Error ? e.message : String(e)}\n`);
  // A command that failed to start must not linger with half its parts running (watches, timers).
  process.exit(1);
}
