/**
 * The three operations of a snapshot backup (make, restore, delete), as
 * {@link runBackupJob} runs them for archives: each waits on a watch for the
 * outcome the cluster reports, and throws saying why it failed.
 *
 * - make: creates the VolumeSnapshot of the world claim and waits for
 *   `status.readyToUse`; the size is its `restoreSize`. A `status.error`
 *   fails it at once with the snapshot's message.
 * - restore: makes a Job that mounts the world claim and a temporary claim
 *   made from the snapshot (owned by the Job), waits for its pod, then
 *   deletes the Job, and with it the temporary claim. The world claim itself
 *   is never deleted.
 * - delete: deletes the VolumeSnapshot and waits until it is gone (what
 *   happens to the data is the snapshot class's `deletionPolicy`).
 */
import type { V1Job, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { setTimeout as delay } from "node:timers/promises";
import type { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import { createJob, deleteJob } from "../../kube/jobs.ts";
import { watchUntil } from "../../kube/watch-until.ts";
import { backupRunLabels, parseTerminationMessage } from "../../resources/backup-job.ts";
import { parseQuantity } from "../../resources/resource-quantity.ts";
import {
  buildRestoreClaim,
  buildSnapshotRestoreJob,
  buildVolumeSnapshot,
  type VolumeSnapshot,
} from "../../resources/volume-snapshot.ts";
import type { SnapshotLocation } from "../store/backup-store.ts";
import { runBackupJob, type BackupJobRun, type BackupTiming, type JobWatch } from "./backup-job-run.ts";
import { snapshotGroup } from "./snapshot-class.ts";

const snapshots = (namespace: string): string =>
  `/apis/${snapshotGroup}/v1/namespaces/${encodeURIComponent(namespace)}/volumesnapshots`;
const core = (namespace: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;

/**
 * Where a snapshot backup stands, from its VolumeSnapshot: its size in bytes
 * once ready, an Error once it failed, undefined while it is being taken. Pure.
 */
export function snapshotOutcome(snapshot: VolumeSnapshot | undefined): number | Error | undefined {
  const message = snapshot?.status?.error?.message;
  if (message !== undefined && message !== "") return new Error(`the VolumeSnapshot failed: ${message}`);
  if (snapshot?.status?.readyToUse !== true) return undefined;
  return Math.round(parseQuantity(snapshot.status.restoreSize) ?? 0);
}

type Timing = Pick<BackupTiming, "jobTimeoutMs" | "pollMs">;

/**
 * Runs one operation of a backup, whichever it is: a Job for an archive
 * ({@link runBackupJob}), the VolumeSnapshot's operation for a snapshot,
 * calling `watch.onPoll` every `pollMs` meanwhile (it renews the lease).
 */
export async function runBackupOperation(
  client: KubeClient,
  run: BackupJobRun,
  timing: Timing,
  watch: JobWatch = {},
): Promise<number | undefined> {
  if (!run.backup.snapshot) return runBackupJob(client, run, timing, watch);
  const done = new AbortController();
  const renewing = (async (): Promise<void> => {
    while (!done.signal.aborted) {
      await watch.onPoll?.();
      await delay(timing.pollMs, undefined, { signal: done.signal }).catch(() => undefined);
    }
  })().catch(() => undefined);
  try {
    return await runSnapshotOperation(client, run, timing);
  } finally {
    done.abort();
    await renewing;
  }
}

/** Runs one operation of the snapshot backup `run.backup`; its size for a make, else undefined. */
export async function runSnapshotOperation(
  client: KubeClient,
  run: BackupJobRun,
  timing: Timing,
): Promise<number | undefined> {
  const snapshot = run.backup.snapshot;
  if (!snapshot) throw new Error(`backup ${run.backup.id} is not a snapshot`);
  switch (run.operation) {
    case "backup":
      return takeSnapshot(client, run, snapshot, timing);
    case "restore":
      return restoreSnapshot(client, run, snapshot, timing);
    case "delete":
      return deleteSnapshot(client, run, snapshot, timing);
  }
}

async function takeSnapshot(
  client: KubeClient,
  { stack, backup }: BackupJobRun,
  snapshot: SnapshotLocation,
  timing: Timing,
): Promise<number> {
  const body = buildVolumeSnapshot({
    namespace: stack.namespace,
    stack: stack.name,
    backupId: backup.id,
    name: snapshot.name,
    className: snapshot.className,
    claim: snapshot.sourceClaim,
  });
  await client.request("POST", snapshots(stack.namespace), { body });
  return awaitSnapshot(client, stack.namespace, snapshot.name, timing);
}

/** Waits on a watch until the VolumeSnapshot is ready (its size) or failed (throws its message). */
export function awaitSnapshot(
  client: KubeClient,
  namespace: string,
  name: string,
  timing: Timing,
): Promise<number> {
  return watchSnapshot(client, namespace, name, timing, (found) => {
    const outcome = snapshotOutcome(found);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  });
}

async function restoreSnapshot(
  client: KubeClient,
  { stack, backup, run }: BackupJobRun,
  snapshot: SnapshotLocation,
  timing: Timing,
): Promise<undefined> {
  const live = await client.request<VolumeSnapshot>(
    "GET",
    `${snapshots(stack.namespace)}/${encodeURIComponent(snapshot.name)}`,
  );
  const ready = snapshotOutcome(live);
  if (typeof ready !== "number") throw new Error(`the VolumeSnapshot ${snapshot.name} is not ready to use`);
  const request = {
    namespace: stack.namespace,
    stack: stack.name,
    backupId: backup.id,
    // The run's id names the Job, so a replica adopting the restore finds it as an archive's.
    run,
    snapshot: snapshot.name,
    storageClass: snapshot.storageClass,
    size: restoreClaimSize(
      live.status?.restoreSize,
      await claimSize(client, stack.namespace, snapshot.sourceClaim),
    ),
    worldClaim: snapshot.sourceClaim,
  };
  const job: V1Job = await createJob(client, buildSnapshotRestoreJob(request));
  const name = job.metadata?.name ?? "";
  try {
    await client.request("POST", `${core(stack.namespace)}/persistentvolumeclaims`, {
      body: buildRestoreClaim(request, { name, uid: job.metadata?.uid ?? "" }),
    });
    const selector = Object.entries(backupRunLabels({ ...request, operation: "restore" }))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    await watchUntil<V1Pod, true>(
      client,
      {
        path: `${core(stack.namespace)}/pods`,
        labelSelector: selector,
        timeoutMs: timing.jobTimeoutMs,
        what: "the snapshot restore Job's pod to finish",
      },
      (pods) => {
        for (const pod of pods.values()) {
          const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
          if (pod.status?.phase === "Failed")
            throw new Error(
              `the restore Job failed (exit ${terminated?.exitCode ?? 1}): ${terminated?.message ?? terminated?.reason ?? pod.status.reason ?? ""}`,
            );
          // Succeeded is final once the container's termination message is there.
          if (pod.status?.phase === "Succeeded" && parseTerminationMessage(terminated?.message) !== undefined)
            return true;
        }
        return undefined;
      },
    );
  } finally {
    // The temporary claim is the Job's: the garbage collector deletes it with the Job.
    await deleteJob(client, stack.namespace, name);
  }
  return undefined;
}

async function deleteSnapshot(
  client: KubeClient,
  { stack }: BackupJobRun,
  snapshot: SnapshotLocation,
  timing: Timing,
): Promise<undefined> {
  try {
    await client.request("DELETE", `${snapshots(stack.namespace)}/${encodeURIComponent(snapshot.name)}`);
  } catch (e: unknown) {
    if (!isNotFound(e)) throw e;
  }
  await watchSnapshot(client, stack.namespace, snapshot.name, timing, (found) =>
    found === undefined ? true : undefined,
  );
  return undefined;
}

function watchSnapshot<R>(
  client: KubeClient,
  namespace: string,
  name: string,
  timing: Timing,
  decide: (snapshot: VolumeSnapshot | undefined) => R | undefined,
): Promise<R> {
  return watchUntil<VolumeSnapshot, R>(
    client,
    {
      path: snapshots(namespace),
      fieldSelector: `metadata.name=${name}`,
      timeoutMs: timing.jobTimeoutMs,
      what: `the VolumeSnapshot ${name}`,
    },
    (objects) => decide(objects.get(name)),
  );
}

/**
 * What a restore's claim asks for: the larger of the snapshot's `restoreSize`
 * and the world claim's size (many drivers want at least the source
 * volume's size; a size of 0 is no valid request). Pure.
 */
export function restoreClaimSize(restoreSize: string | undefined, worldSize: string | undefined): string {
  const bytes = (q: string | undefined): number => parseQuantity(q) ?? 0;
  const larger = bytes(restoreSize) > bytes(worldSize) ? restoreSize : worldSize;
  return larger !== undefined && bytes(larger) > 0 ? larger : "1Gi";
}

async function claimSize(client: KubeClient, namespace: string, claim: string): Promise<string | undefined> {
  const pvc = await client.request<V1PersistentVolumeClaim>(
    "GET",
    `${core(namespace)}/persistentvolumeclaims/${encodeURIComponent(claim)}`,
  );
  return pvc.status?.capacity?.["storage"] ?? pvc.spec?.resources?.requests?.["storage"];
}
