import { buildStackResource } from "../stack-resource.ts";
import type { Store } from "../store/store.ts";
import { agentProtocolVersion, revisionOf, type DesiredDocument, type DesiredStack } from "./protocol.ts";

/**
 * The desired stacks of one cluster as an agent receives them: every live
 * stack with its generation and, unless it is to be deleted, the Stack
 * resource the direct reconciler would apply (built by the same
 * {@link buildStackResource}, so an agent and a direct connection write the
 * same object and converting a cluster redeploys nothing).
 */
export async function desiredDocument(store: Store, cluster: string): Promise<DesiredDocument> {
  const stacks: DesiredStack[] = [];
  for (const s of await store.stacks.listLive()) {
    if (s.cluster !== cluster) continue;
    let resource: DesiredStack["resource"] = null;
    if (s.desiredState !== "Deleted") {
      const template = await store.catalog.getTemplate(s.template, s.templateVersion);
      const built = template ? buildStackResource(s, template) : undefined;
      if (built?.ok) resource = built.object;
    }
    stacks.push({
      id: s.id,
      namespace: s.namespace,
      name: s.name,
      generation: s.generation,
      desiredState: s.desiredState,
      driftPolicy: s.drift.policy,
      resource,
    });
  }
  return { protocol: agentProtocolVersion, cluster, revision: revisionOf(stacks), stacks };
}

/**
 * Answers the desired document once its revision differs from `revision`, or
 * after `waitMs` unchanged. It looks again whenever this process appends
 * events (every desired change does) and at least every second (changes made
 * by other replicas). Stops early on `signal`.
 */
export async function waitForDesired(
  store: Store,
  cluster: string,
  revision: string | undefined,
  waitMs: number,
  signal: AbortSignal,
): Promise<DesiredDocument> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const doc = await desiredDocument(store, cluster);
    const left = deadline - Date.now();
    if (doc.revision !== revision || left <= 0 || signal.aborted) return doc;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        off();
        signal.removeEventListener("abort", finish);
        resolve();
      };
      const timer = setTimeout(finish, Math.min(left, 1_000));
      const off = store.onAppend(finish);
      signal.addEventListener("abort", finish, { once: true });
    });
  }
}
