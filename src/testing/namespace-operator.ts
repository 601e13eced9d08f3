import { startOperator } from "../cli/operator.ts";
import type { Manager } from "../operator/manager.ts";
import type { TestNamespace } from "./cluster.ts";

/** An operator started for one test file; `stop` drains its reconciles and waits for it to end. */
export interface NamespaceOperator {
  readonly manager: Manager;
  stop(): Promise<void>;
}

/**
 * Starts the operator as `stackwarden operator` runs it (CRDs installed, every kind served), watching
 * only the file's namespace, with no leader election and its probes and metrics on free ports. The
 * caller stops it; a file that restarts its operator mid-test calls this again.
 */
export async function startNamespaceOperator(ns: TestNamespace): Promise<NamespaceOperator> {
  const controller = new AbortController();
  const { manager, done } = await startOperator(
    {
      kubeconfig: ns.kc,
      namespaces: [ns.namespace],
      installCrds: true,
      leaderElect: false,
      leaseNamespace: ns.namespace,
      metricsBindAddress: "127.0.0.1:0",
      healthProbeBindAddress: "127.0.0.1:0",
      logLevel: "warn",
    },
    controller.signal,
  );
  return {
    manager,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
