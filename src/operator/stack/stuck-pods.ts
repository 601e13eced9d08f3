import type { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import type { KubeObject } from "../../api/object.ts";

type StatefulSet = KubeObject & {
  spec?: { selector?: { matchLabels?: Record<string, string> } };
  status?: { observedGeneration?: number; updateRevision?: string };
};
type Pod = KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } };

/**
 * Deletes the pods a StatefulSet left stuck on a bad revision, so a rollback
 * can finish. The StatefulSet controller never replaces a pod that is not
 * Ready (the Kubernetes documentation calls this a forced rollback: "delete
 * any Pods that the StatefulSet had already attempted to run with the bad
 * configuration"). Only pods that are not Ready and run another revision than
 * the StatefulSet's current update revision are deleted, and only once the
 * controller has observed the rolled-back spec. Returns the pods deleted.
 */
export async function replaceStuckPods(
  client: KubeClient,
  statefulSets: readonly KubeObject[],
  signal?: AbortSignal,
): Promise<string[]> {
  const aborts = signal ? { signal } : {};
  const deleted: string[] = [];
  for (const sts of statefulSets as readonly StatefulSet[]) {
    if (sts.kind !== "StatefulSet") continue;
    const revision = sts.status?.updateRevision;
    if (!revision || sts.status?.observedGeneration !== sts.metadata.generation) continue;
    const selector = Object.entries(sts.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    if (!selector) continue;
    const namespace = sts.metadata.namespace ?? "default";
    const pods = await client.request<{ items: Pod[] }>("LIST", `/api/v1/namespaces/${namespace}/pods`, {
      query: { labelSelector: selector },
      ...aborts,
    });
    for (const pod of pods.items) {
      const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      const podRevision = pod.metadata.labels?.["controller-revision-hash"];
      if (ready || !podRevision || podRevision === revision || pod.metadata.deletionTimestamp) continue;
      try {
        await client.request("DELETE", `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}`, {
          body: { preconditions: { uid: pod.metadata.uid } },
          ...aborts,
        });
        deleted.push(pod.metadata.name);
      } catch (e: unknown) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
  return deleted;
}
