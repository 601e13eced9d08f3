/**
 * The `stackwarden` command line.
 *
 *   stackwarden up                       run Stackwarden on this machine (today: the sandbox)
 *   stackwarden sandbox up|down|status|kubeconfig [--name NAME]
 *   stackwarden kubectl ARGS…            the bundled kubectl, pointed at the sandbox
 */
import { runSandboxCommand } from "./sandbox-command.ts";
import { runUp } from "./up.ts";
import { runOperator } from "./operator.ts";
import { manifestsYaml } from "../operator/manifests.ts";
import { runKubectl } from "../sandbox/sandbox.ts";

const usage = `Usage: stackwarden <command>

Commands:
  up                         start Stackwarden on this machine: the local sandbox cluster (Ctrl-C stops what it started)
  operator [flags]           run the operator: --kubeconfig, --namespaces a,b, --install-crds, --leader-elect,
                             --metrics-bind-address (:8080), --health-probe-bind-address (:8081), --log-level
  manifests                  print the operator's deployment manifests (CRDs, RBAC, Deployment)
  sandbox up [--name N]      start a local Kubernetes sandbox; returns once it is usable (idempotent)
  sandbox down [--name N]    stop every sandbox process and remove its state
  sandbox status [--name N]  show the sandbox's processes and health (exit 3 when it is not running)
  sandbox kubeconfig [--name N]  print the path of the sandbox's admin kubeconfig
  kubectl ARGS...            run the bundled kubectl against the sandbox (STACKWARDEN_SANDBOX picks the name)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "up":
      return runUp(rest);
    case "sandbox":
      return runSandboxCommand(rest);
    case "operator":
      return runOperator(rest);
    case "manifests":
      process.stdout.write(manifestsYaml());
      return 0;
    case "kubectl":
      return runKubectl({ name: process.env.STACKWARDEN_SANDBOX ?? "default", env: process.env }, rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`stackwarden: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e: unknown) {
  process.stderr.write(`stackwarden: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
