import { KubeConfig } from "@kubernetes/client-node";
import { collectDefaultMetrics, Registry } from "prom-client";
import { startAgent } from "../controlplane/agent/agent.ts";
import { createLogger } from "../observability/logger.ts";
import { parseBindAddress, startOperator } from "./operator.ts";
import type { AgentFlags } from "./program.ts";
import { packageVersion } from "../sandbox/paths.ts";

/**
 * `stackwarden agent [flags]`: runs the cluster's agent (and, with
 * `--with-operator`, the operator in the same process, no leader election,
 * probes and metrics off) until SIGINT or SIGTERM. With
 * `--metrics-bind-address` it serves the agent's metrics (and the process's)
 * and its probes there.
 */
export async function runAgent(flags: AgentFlags): Promise<number> {
  const kubeconfig = new KubeConfig();
  if (flags.kubeconfig) kubeconfig.loadFromFile(flags.kubeconfig);
  else kubeconfig.loadFromDefault();
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const log = createLogger({ level: flags.logLevel, name: "agent" });
  const metrics = parseBindAddress(flags.metricsBindAddress);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const operator = flags.withOperator
    ? await startOperator(
        {
          kubeconfig,
          namespaces: [],
          installCrds: false,
          leaderElect: false,
          leaseNamespace: "default",
          metricsBindAddress: "0",
          healthProbeBindAddress: "0",
          logLevel: flags.logLevel,
        },
        stop.signal,
      )
    : undefined;
  const agent = await startAgent(
    {
      controlPlane: flags.controlPlane,
      tokenFile: flags.tokenFile,
      stateDir: flags.stateDir,
      kubeconfig,
      agentVersion: packageVersion(),
      bufferLimit: flags.bufferLimit,
      log,
      registry,
      ...(metrics ? { metrics } : {}),
    },
    stop.signal,
  );
  log.info({ cluster: agent.cluster, metricsPort: agent.metricsPort }, "agent running");
  await Promise.all([agent.done, operator?.done]);
  return 0;
}
