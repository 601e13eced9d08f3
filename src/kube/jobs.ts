/** Jobs and claims the control plane makes on a person's request (backups), and how their pods ended. */
import type { V1Job, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import type { KubeClient } from "./client.ts";
import { isAlreadyExists, isNotFound } from "./errors.ts";
import { listPods } from "./core-reads.ts";

const ns = (namespace: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
const batch = (namespace: string): string => `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}`;

/** Creates `job`; one of the same name already there is an error (a Job's spec cannot change). */
export async function createJob(client: KubeClient, job: V1Job): Promise<V1Job> {
  const namespace = job.metadata?.namespace ?? "default";
  return client.request<V1Job>("POST", `${batch(namespace)}/jobs`, { body: job });
}

/** Deletes the Job `name` and, in the background, its pods; a Job already gone is fine. */
export async function deleteJob(client: KubeClient, namespace: string, name: string): Promise<void> {
  try {
    await client.request("DELETE", `${batch(namespace)}/jobs/${encodeURIComponent(name)}`, {
      body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
    });
  } catch (e: unknown) {
    if (!isNotFound(e)) throw e;
  }
}

/** Creates the claim unless one of its name exists. Returns true when it made it. */
export async function ensureClaim(client: KubeClient, claim: V1PersistentVolumeClaim): Promise<boolean> {
  const namespace = claim.metadata?.namespace ?? "default";
  try {
    await client.request("POST", `${ns(namespace)}/persistentvolumeclaims`, { body: claim });
    return true;
  } catch (e: unknown) {
    if (isAlreadyExists(e)) return false;
    throw e;
  }
}

/** How a Job's (single) pod ended: the terminated container's exit code and termination message. */
export interface JobPodOutcome {
  readonly phase: "Succeeded" | "Failed";
  readonly exitCode: number;
  readonly message: string | undefined;
  readonly reason: string | undefined;
}

/**
 * The outcome of the first finished pod among those matching `labels`, or
 * undefined while none has finished.
 */
export async function finishedJobPod(
  client: KubeClient,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): Promise<JobPodOutcome | undefined> {
  const pods = await listPods(client, namespace, labels);
  return pods.map(outcomeOf).find((o) => o !== undefined);
}

function outcomeOf(pod: V1Pod): JobPodOutcome | undefined {
  const phase = pod.status?.phase;
  if (phase !== "Succeeded" && phase !== "Failed") return undefined;
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  return {
    phase,
    exitCode: terminated?.exitCode ?? (phase === "Succeeded" ? 0 : 1),
    message: terminated?.message,
    reason: terminated?.reason ?? pod.status?.reason,
  };
}
