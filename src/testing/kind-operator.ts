import { after } from "node:test";
import type { KindBinding } from "../operator/kind-binding.ts";
import { installCrds } from "../operator/install-crds.ts";
import { Manager } from "../operator/manager.ts";
import { registerStackControllers } from "../operator/stack/stack-controller.ts";
import { createLogger } from "../observability/logger.ts";
import type { TestNamespace } from "./cluster.ts";

/**
 * Runs an operator for one test file: the given kinds' CRDs installed, their
 * controllers watching only the file's namespace, no leader election. Call
 * it at the top level of the test file; it stops, draining its reconciles,
 * when the file's tests end.
 */
export async function startKindOperator(
  ns: TestNamespace,
  bindings: readonly KindBinding[],
): Promise<Manager> {
  const manager = new Manager({
    kubeconfig: ns.kc,
    leaseNamespace: ns.namespace,
    leaderElection: false,
    logger: createLogger({ level: "error" }),
  });
  await installCrds(
    manager.client,
    manager.types,
    bindings.map((b) => b.crd()),
  );
  registerStackControllers(manager, bindings, { namespaces: [ns.namespace] });
  const stop = new AbortController();
  const running = manager.run(stop.signal);
  after(async () => {
    stop.abort();
    await running.catch(() => undefined);
  });
  return manager;
}
