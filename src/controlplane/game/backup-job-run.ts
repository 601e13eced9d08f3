/**
 * One run of a backup Job (make, restore or delete an archive) in a stack's
 * cluster, from creation to the outcome its pod reports (or, for a Job a
 * replica left behind, from adoption to that outcome); and the target claim
 * the control plane makes when it is missing.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { V1Job, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { KubeClient } from "../../kube/client.ts";
import { createJob, deleteJob, jobPodState, readJob } from "../../kube/jobs.ts";
import {
  backupJobName,
  backupRunLabels,
  buildBackupJob,
  parseTerminationMessage,
  type BackupJobRequest,
  type BackupOperation,
} from "../../resources/backup-job.ts";
import { managedByLabel, managedByValue, selectorLabels } from "../../resources/labels.ts";
import { findTemplate } from "../../templates/registry.ts";
import type { BackupRecord } from "../store/backup-store.ts";
import type { StackRecord } from "../store/records.ts";

/** The world volume of a game server: its StatefulSet's `data` claim of pod 0. */
export const worldClaim = (stack: string): string => `data-${stack}-0`;

/** How long one Job may take, how often it is looked at, and how backups left by a replica are found. */
export interface BackupTiming {
  readonly jobTimeoutMs: number;
  readonly pollMs: number;
  /**
   * How long a replica's claim on a backup it runs lasts without renewal
   * (it renews at every look at its Job); once it lapses, another replica may adopt the backup.
   */
  readonly leaseMs: number;
  /** How often a replica looks for backups whose claim lapsed. */
  readonly sweepMs: number;
}

/** What one run does, to which backup of which stack. */
export interface BackupJobRun {
  readonly stack: StackRecord;
  readonly backup: BackupRecord;
  readonly operation: BackupOperation;
  /**
   * Tells this run's Job from others of the same backup (a backup may be
   * restored many times). A backup's or a restore's run is kept in the
   * store, so its Job's name is known to whichever replica adopts it.
   */
  readonly run: string;
  /** The server runs: the Job goes to its node (a ReadWriteOnce claim mounts on one node). */
  readonly besideServer: boolean;
}

/** How a wait for a Job is watched: stopped by `signal`; `onPoll` runs before each look and may throw to stop. */
export interface JobWatch {
  readonly signal?: AbortSignal;
  readonly onPoll?: () => Promise<void>;
}

/** A fresh run id: 8 lowercase hex digits. */
export const newRun = (): string => randomBytes(4).toString("hex");

/** The Job request of `run`. Pure. */
export function backupJobRequest({
  stack,
  backup,
  operation,
  run,
  besideServer,
}: BackupJobRun): BackupJobRequest {
  const game = findTemplate(stack.template)?.game;
  return {
    operation,
    backupId: backup.id,
    run,
    namespace: stack.namespace,
    stack: stack.name,
    worldClaim: worldClaim(stack.name),
    targetClaim: backup.targetClaim,
    archive: backup.archive,
    ...(backup.s3 ? { s3: backup.s3 } : {}),
    ...(besideServer && game
      ? { besidePods: selectorLabels({ stack: stack.name, component: game.component }) }
      : {}),
  };
}

/** Creates the Job of `run` and waits for its end ({@link awaitBackupJob}). */
export async function runBackupJob(
  client: KubeClient,
  run: BackupJobRun,
  timing: Pick<BackupTiming, "jobTimeoutMs" | "pollMs">,
  watch: JobWatch = {},
): Promise<number | undefined> {
  const request = backupJobRequest(run);
  await createJob(client, buildBackupJob(request));
  return awaitBackupJob(client, request, timing, watch);
}

/**
 * Waits for the pod of `request`'s Job: Succeeded with a termination
 * message gives the archive's size (undefined for a delete); Failed throws
 * saying why; a pod that cannot start ({@link podStartFailure}: a missing
 * Secret, an image that cannot be pulled) deletes the Job and throws with
 * the kubelet's reason and message at once; so does a Job that is gone
 * while its pod has not finished; no end within
 * `timing.jobTimeoutMs` throws too. An aborted `watch.signal` throws its reason.
 */
export async function awaitBackupJob(
  client: KubeClient,
  request: BackupJobRequest,
  timing: Pick<BackupTiming, "jobTimeoutMs" | "pollMs">,
  watch: JobWatch = {},
): Promise<number | undefined> {
  const { operation, namespace } = request;
  const labels = backupRunLabels(request);
  const jobName = backupJobName(operation, request.backupId, request.run);
  const deadline = Date.now() + timing.jobTimeoutMs;
  while (Date.now() < deadline) {
    watch.signal?.throwIfAborted();
    await watch.onPoll?.();
    const state = await jobPodState(client, namespace, labels);
    if (state.type === "cannotStart") {
      const { reason, message } = state.failure;
      await deleteJob(client, namespace, jobName);
      throw new Error(`the ${operation} Job's pod cannot start: ${reason}${message ? `: ${message}` : ""}`);
    }
    // A Job someone deleted (or a replica gave up) never finishes: say so rather than wait out the timeout.
    if (state.type === "waiting" && !isLive(await readJob(client, namespace, jobName)))
      throw new Error(`the ${operation} Job ${jobName} was deleted before it finished`);
    if (state.type === "finished") {
      const { outcome } = state;
      if (outcome.phase === "Failed")
        throw new Error(
          `the ${operation} Job failed (exit ${outcome.exitCode}): ${outcome.message ?? outcome.reason ?? ""}`,
        );
      // Succeeded is final once the container's termination message is there.
      const result = parseTerminationMessage(outcome.message);
      if (result !== undefined) return result.size;
    }
    await delay(timing.pollMs, undefined, watch.signal ? { signal: watch.signal } : {});
  }
  throw new Error(`the ${operation} Job did not finish within ${timing.jobTimeoutMs / 1000} s`);
}

/** The Job exists and is not being deleted. */
export const isLive = (job: V1Job | undefined): job is V1Job =>
  job !== undefined && job.metadata?.deletionTimestamp === undefined;

/** The target claim `name` in the stack's namespace, asking for `storage`, as the control plane makes it. */
export function targetClaimObject(
  stack: StackRecord,
  name: string,
  storage: string,
): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name,
      namespace: stack.namespace,
      labels: { [managedByLabel]: managedByValue, "stackwarden.dev/backups-of": stack.name },
    },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
  };
}
