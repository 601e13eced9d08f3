/**
 * The `stackwarden` command line.
 *
 *   stackwarden up                       run Stackwarden on this machine: sandbox, operator, control plane, UI
 *   stackwarden server                   run the control plane: API, UI, DB → cluster reconciler, observers
 *   stackwarden sandbox up|down|status|kubeconfig [--name NAME]
 *   stackwarden kubectl ARGS…            the bundled kubectl, pointed at the sandbox
 */
import { runSandboxCommand } from "./sandbox-command.ts";
import { runUp } from "./up.ts";
import { runServer } from "./server.ts";
import { runOperator } from "./operator.ts";
import { manifestsYaml } from "../operator/manifests.ts";
import { controlPlaneManifests } from "../controlplane/manifests.ts";
import { runKubectl } from "../sandbox/sandbox.ts";

const usage = `Usage: stackwarden <command>

Commands:
  up [flags]                 run Stackwarden on this machine: operator + control plane + UI on one address
                             (--listen 127.0.0.1:8080), PGlite in --data-dir (.stackwarden), and with no
                             --kubeconfig the local sandbox cluster; Ctrl-C stops what it started
  server [flags]             run the control plane: --listen (0.0.0.0:8080), --database-url (or DATABASE_URL;
                             else PGlite in --data-dir), --kubeconfig, --cluster-name (local), --log-level
  operator [flags]           run the operator: --kubeconfig, --namespaces a,b, --install-crds, --leader-elect,
                             --metrics-bind-address (:8080), --health-probe-bind-address (:8081), --log-level,
                             --resync-period-seconds (600: how often converged stacks are reconciled again)
  manifests [control-plane]  print the operator's deployment manifests (CRDs, RBAC, Deployment),
                             or the control plane's (RBAC, Deployment, Service; PostgreSQL via a Secret)
  sandbox up [--name N]      start a local Kubernetes sandbox; returns once it is usable (idempotent)
  sandbox down [--name N]    stop every sandbox process and remove its state
  sandbox status [--name N]  show the sandbox's processes and health (exit 3 when it is not running)
  sandbox kubeconfig [--name N]  print the path of the sandbox's admin kubeconfig
  sandbox restart COMPONENT [--name N]  restart one component in place (etcd, kube-apiserver,
                             kube-controller-manager, kube-scheduler, kwok): same ports, certificates, data
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
    case "server":
      return runServer(rest);
    case "manifests":
      process.stdout.write(manifestsYaml(rest[0] === "control-plane" ? controlPlaneManifests() : undefined));
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
  // A command that failed to start must not linger with half its parts running (watches, timers).
  process.exit(1);
}
