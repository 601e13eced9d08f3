import { after } from "node:test";
import { kindCrds, type KindBinding } from "../operator/kind-binding.ts";
import { installCrds } from "../operator/install-crds.ts";
import { Manager } from "../operator/manager.ts";
import { registerStackControllers } from "../operator/stack/stack-controller.ts";
import { createLogger } from "../observability/logger.ts";
import type { TestNamespace } from "./cluster.ts";

/** How {@link startKindOperator} runs the operator. */
export interface KindOperatorOptions {
  /** The namespaces its controllers watch; the file's namespace when not given. */
  readonly namespaces?: readonly string[];
  /** Campaign for a Lease in the file's namespace (off by default), as the shipped operator does. */
  readonly leaderElection?: boolean;
  /** The replica's identity in the Lease. */
  readonly identity?: string;
}

/**
 * Runs an operator for one test file: the given kinds' CRDs installed, their
 * controllers watching the file's namespace (or the namespaces given), with
 * leader election only when asked. Call it at the top level of the test
 * file; it stops, draining its reconciles, when the file's tests end.
 */
export async function startKindOperator(
  ns: TestNamespace,
  bindings: readonly KindBinding[],
  options: KindOperatorOptions = {},
): Promise<Manager> {
  const manager = new Manager({
    kubeconfig: ns.kc,
    leaseNamespace: ns.namespace,
    leaderElection: options.leaderElection ?? false,
    ...(options.identity ? { identity: options.identity } : {}),
    logger: createLogger({ level: "error" }),
  });
  await installCrds(manager.client, manager.types, bindings.flatMap(kindCrds));
  registerStackControllers(manager, bindings, { namespaces: options.namespaces ?? [ns.namespace] });
  const stop = new AbortController();
  const running = manager.run(stop.signal);
  after(async () => {
    stop.abort();
    await running.catch(() => undefined);
  });
  return manager;
}
