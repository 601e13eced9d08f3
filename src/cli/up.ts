import { parseArgs } from "node:util";
import { once } from "node:events";
import { KubeConfig } from "@kubernetes/client-node";
import { sandboxDown, sandboxUp } from "../sandbox/sandbox.ts";
import { startOperator } from "./operator.ts";

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * `stackwarden up`: runs Stackwarden on this machine on embedded defaults —
 * the local sandbox cluster and the operator (with its CRDs installed). The
 * control plane and UI join this command as they land. Stays in the
 * foreground until Ctrl-C, then stops the operator and, if this command
 * started it, the sandbox (one it found running stays).
 */
export async function runUp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sandbox: { type: "string", default: process.env.STACKWARDEN_SANDBOX ?? "default" },
      "health-probe-bind-address": { type: "string", default: "127.0.0.1:8081" },
      "metrics-bind-address": { type: "string", default: "127.0.0.1:8080" },
    },
  });
  const options = { name: values.sandbox, env: process.env, log };
  log("stackwarden up: starting the local sandbox cluster");
  const sandbox = await sandboxUp(options);
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(sandbox.kubeconfig);
  const stop = new AbortController();
  const { manager, done } = await startOperator(
    {
      kubeconfig,
      namespaces: [],
      installCrds: true,
      leaderElect: true,
      leaseNamespace: "default",
      metricsBindAddress: values["metrics-bind-address"],
      healthProbeBindAddress: values["health-probe-bind-address"],
      logLevel: process.env.STACKWARDEN_LOG_LEVEL ?? "info",
    },
    stop.signal,
  );
  log("");
  log(`Stackwarden is up.`);
  log(`  Kubernetes API: ${sandbox.server}${sandbox.reused ? " (already running)" : ""}`);
  log(`  kubeconfig:     ${sandbox.kubeconfig}`);
  log(
    `  operator:       health http://127.0.0.1:${manager.healthPort}/readyz, metrics http://127.0.0.1:${manager.metricsPort}/metrics`,
  );
  log(`  try:            npx stackwarden kubectl apply -f examples/minecraft-java.yaml`);
  log(`                  npx stackwarden kubectl get stacks -w`);
  log("");
  log(sandbox.reused ? "Press Ctrl-C to stop (the sandbox keeps running)." : "Press Ctrl-C to stop.");
  await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM"), done]);
  log("stopping the operator");
  stop.abort();
  await done;
  if (!sandbox.reused) {
    log("stopping the sandbox");
    await sandboxDown(options);
  }
  return 0;
}
