/**
 * One run of a backup Job (make, restore or delete an archive) in a stack's
 * cluster, from creation to the outcome its pod reports; and the target
 * claim the control plane makes when it is missing.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { KubeClient } from "../../kube/client.ts";
import { createJob, finishedJobPod } from "../../kube/jobs.ts";
import {
  backupRunLabels,
  buildBackupJob,
  parseTerminationMessage,
  type BackupOperation,
} from "../../resources/backup-job.ts";
import { managedByLabel, managedByValue, selectorLabels } from "../../resources/labels.ts";
import { findTemplate } from "../../templates/registry.ts";
import type { BackupRecord } from "../store/backup-store.ts";
import type { StackRecord } from "../store/records.ts";

/** The world volume of a game server: its StatefulSet's `data` claim of pod 0. */
export const worldClaim = (stack: string): string => `data-${stack}-0`;

/** How long one Job may take, and how often it is looked at. */
export interface BackupTiming {
  readonly jobTimeoutMs: number;
  readonly pollMs: number;
}

/** What one run does, to which backup of which stack. */
export interface BackupJobRun {
  readonly stack: StackRecord;
  readonly backup: BackupRecord;
  readonly operation: BackupOperation;
  /** The server runs: the Job goes to its node (a ReadWriteOnce claim mounts on one node). */
  readonly besideServer: boolean;
}

/**
 * Creates the Job (a fresh run id, so a backup may be restored many times)
 * and waits for its pod: Succeeded with a termination message gives the
 * archive's size (undefined for a delete); Failed, or no end within
 * `timing.jobTimeoutMs`, throws saying why.
 */
export async function runBackupJob(
  client: KubeClient,
  { stack, backup, operation, besideServer }: BackupJobRun,
  timing: BackupTiming,
): Promise<number | undefined> {
  const game = findTemplate(stack.template)?.game;
  const request = {
    operation,
    backupId: backup.id,
    run: randomBytes(4).toString("hex"),
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
  await createJob(client, buildBackupJob(request));
  const labels = backupRunLabels(request);
  const deadline = Date.now() + timing.jobTimeoutMs;
  while (Date.now() < deadline) {
    const outcome = await finishedJobPod(client, stack.namespace, labels);
    const result = parseTerminationMessage(outcome?.message);
    if (outcome?.phase === "Failed")
      throw new Error(
        `the ${operation} Job failed (exit ${outcome.exitCode}): ${outcome.message ?? outcome.reason ?? ""}`,
      );
    // Succeeded is final once the container's termination message is there.
    if (outcome?.phase === "Succeeded" && result !== undefined) return result.size;
    await delay(timing.pollMs);
  }
  throw new Error(`the ${operation} Job did not finish within ${timing.jobTimeoutMs / 1000} s`);
}

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
