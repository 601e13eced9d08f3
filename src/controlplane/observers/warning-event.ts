import type { KubeEvent } from "./cluster-watch.ts";

/**
 * A Warning Kubernetes Event about a stack's Stack or one of its children,
 * as the KubernetesEvent to record. `key` (uid:count) tells occurrences
 * apart: a repeated Event counts up, and each count is recorded once.
 */
export function warningEvent(e: KubeEvent): { key: string; data: Record<string, unknown> } {
  const count = e.series?.count ?? e.count ?? 1;
  const uid = e.metadata.uid ?? "";
  const about = e.involvedObject;
  return {
    key: `${uid}:${count}`,
    data: {
      uid,
      count,
      type: e.type,
      reason: e.reason ?? "",
      message: e.message ?? "",
      involvedObject: { kind: about?.kind ?? "", name: about?.name ?? "" },
    },
  };
}
