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
 * The waiting reasons that mean a pod's container will not start without a
 * change someone has to make (a Secret or key that is missing, an image that
 * cannot be pulled or named, a container the runtime refuses), rather than
 * a moment's delay. `ErrImagePull` is not among them: the kubelet retries a
 * failed pull once at once and then reports `ImagePullBackOff`, so a single
 * unlucky pull does not end a Job.
 */
export const podStartFailureReasons = [
  "CreateContainerConfigError",
  "CreateContainerError",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
] as const;
export type PodStartFailureReason = (typeof podStartFailureReasons)[number];

/** Why a pod's container cannot start: the kubelet's waiting reason and message. */
export interface PodStartFailure {
  readonly reason: PodStartFailureReason;
  readonly container: string;
  readonly message: string;
}

/** The first container (init containers first) of `pod` waiting for one of {@link podStartFailureReasons}. Pure. */
export function podStartFailure(pod: V1Pod): PodStartFailure | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const reason = s.state?.waiting?.reason;
    if ((podStartFailureReasons as readonly string[]).includes(reason ?? ""))
      return {
        reason: reason as PodStartFailureReason,
        container: s.name,
        message: s.state?.waiting?.message ?? "",
      };
  }
  return undefined;
}

/** Where a Job's pod is: finished (how), unable to start (why), or neither yet. */
export type JobPodState =
  | { readonly type: "finished"; readonly outcome: JobPodOutcome }
  | { readonly type: "cannotStart"; readonly failure: PodStartFailure }
  | { readonly type: "waiting" };

/**
 * The state of the pods matching `labels`: the first finished one's
 * outcome; else the first that cannot start; else waiting (none yet, or
 * on its way).
 */
export async function jobPodState(
  client: KubeClient,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): Promise<JobPodState> {
  const pods = await listPods(client, namespace, labels);
  const outcome = pods.map(outcomeOf).find((o) => o !== undefined);
  if (outcome) return { type: "finished", outcome };
  const failure = pods.map(podStartFailure).find((f) => f !== undefined);
  return failure ? { type: "cannotStart", failure } : { type: "waiting" };
}

/** The Job `name`, or undefined when there is none. */
export async function readJob(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<V1Job | undefined> {
  try {
    return await client.request<V1Job>("GET", `${batch(namespace)}/jobs/${encodeURIComponent(name)}`);
  } catch (e: unknown) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
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
