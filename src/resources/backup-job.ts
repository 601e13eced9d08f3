/**
 * The Kubernetes Jobs that make, restore and delete archives of a game
 * server's world volume. Pure: the same request gives the same Job.
 *
 * Each Job runs one POSIX shell script in a small image (`busybox`): the world
 * claim is mounted at `/data`, the target claim at `/backups`, and the script
 * writes `{"size":N}` (the archive's bytes) to `/dev/termination-log`, which
 * the kubelet puts into the container's terminated state, where the control
 * plane reads it. The sandbox runs the same script on the same paths mapped
 * to local folders (src/sandbox/job-runner.ts).
 */
import type { V1Job, V1PodAffinityTerm } from "@kubernetes/client-node";
import { componentLabel, managedByLabel, managedByValue, stackLabel } from "./labels.ts";

/** The three things a backup Job does. */
export const backupOperations = ["backup", "restore", "delete"] as const;
export type BackupOperation = (typeof backupOperations)[number];

/** On a backup Job and its pod: the backup's id. */
export const backupIdLabel = "stackwarden.dev/backup";
/** On a backup Job and its pod: what it does ({@link BackupOperation}). */
export const backupOperationLabel = "stackwarden.dev/backup-operation";
/** On a backup Job and its pod: which run of the operation (a backup may be restored many times). */
export const backupRunLabel = "stackwarden.dev/backup-run";

/** The image the scripts need: sh, tar with gzip, find, wc, mv. */
export const backupImage = "busybox:1.37";

/** Where the Job mounts the two claims. */
export const dataMount = "/data";
export const targetMount = "/backups";

/** What one Job is asked to do. */
export interface BackupJobRequest {
  readonly operation: BackupOperation;
  readonly backupId: string;
  /** Tells this run from others of the same backup: lowercase letters and digits, at most 10. */
  readonly run: string;
  readonly namespace: string;
  /** The stack's name: its pods carry it, and the archives live in a folder named after it. */
  readonly stack: string;
  /** The claim holding the world. */
  readonly worldClaim: string;
  /** The claim archives are written to. */
  readonly targetClaim: string;
  /** The archive's file name (no slash). */
  readonly archive: string;
  /**
   * The label selector of the running server's pods, when it runs: the Job
   * then runs on the same node, since a ReadWriteOnce claim mounts on one node only.
   */
  readonly besidePods?: Readonly<Record<string, string>>;
}

const scripts: Record<BackupOperation, string> = {
  backup: [
    "set -eu",
    'mkdir -p "$TARGET"',
    'partial="$TARGET/.$ARCHIVE.partial"',
    'tar -C "$DATA" -czf "$partial" .',
    'mv "$partial" "$TARGET/$ARCHIVE"',
    'printf \'{"size":%s}\' "$(wc -c <"$TARGET/$ARCHIVE" | tr -d " ")" >"$TERMINATION_LOG"',
  ].join("\n"),
  restore: [
    "set -eu",
    // Check the whole archive before touching the world, so a bad archive changes nothing.
    'gzip -t "$TARGET/$ARCHIVE"',
    'find "$DATA" -mindepth 1 -maxdepth 1 -exec rm -rf {} +',
    'tar -C "$DATA" -xzf "$TARGET/$ARCHIVE"',
    'printf \'{"size":%s}\' "$(wc -c <"$TARGET/$ARCHIVE" | tr -d " ")" >"$TERMINATION_LOG"',
  ].join("\n"),
  delete: ["set -eu", 'rm -f "$TARGET/$ARCHIVE"', "printf '{}' >\"$TERMINATION_LOG\""].join("\n"),
};

/** The shell script a Job of `operation` runs (for the docs and the sandbox's runner). */
export function backupScript(operation: BackupOperation): string {
  return scripts[operation];
}

/** The Job's name: the operation, the backup's id and the run, within 63 characters. */
export function backupJobName(operation: BackupOperation, backupId: string, run: string): string {
  return `sw-${operation}-${backupId.replace(/-/g, "").slice(0, 16)}-${run.slice(0, 10)}`;
}

/** The labels that find one run's pod. */
export function backupRunLabels(
  req: Pick<BackupJobRequest, "backupId" | "operation" | "run">,
): Record<string, string> {
  return { [backupIdLabel]: req.backupId, [backupOperationLabel]: req.operation, [backupRunLabel]: req.run };
}

/**
 * The Job for `req`: no retries (`backoffLimit: 0`; the control plane
 * reports the failure), removed an hour after it finishes, the world mounted
 * read-only for a backup and not at all for a delete.
 */
export function buildBackupJob(req: BackupJobRequest): V1Job {
  const labels = {
    [managedByLabel]: managedByValue,
    [stackLabel]: req.stack,
    [componentLabel]: "backup",
    ...backupRunLabels(req),
  };
  // A delete touches the target only, so it never waits for the world's node.
  const usesWorld = req.operation !== "delete";
  const beside: V1PodAffinityTerm | undefined =
    usesWorld && req.besidePods
      ? { labelSelector: { matchLabels: { ...req.besidePods } }, topologyKey: "kubernetes.io/hostname" }
      : undefined;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: backupJobName(req.operation, req.backupId, req.run), namespace: req.namespace, labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          ...(beside
            ? { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [beside] } } }
            : {}),
          containers: [
            {
              name: req.operation,
              image: backupImage,
              command: ["sh", "-c", scripts[req.operation]],
              env: [
                { name: "DATA", value: dataMount },
                { name: "TARGET", value: `${targetMount}/${req.stack}` },
                { name: "ARCHIVE", value: req.archive },
                { name: "TERMINATION_LOG", value: "/dev/termination-log" },
              ],
              terminationMessagePolicy: "File",
              volumeMounts: [
                ...(usesWorld
                  ? [{ name: "world", mountPath: dataMount, readOnly: req.operation === "backup" }]
                  : []),
                { name: "target", mountPath: targetMount },
              ],
            },
          ],
          volumes: [
            ...(usesWorld ? [{ name: "world", persistentVolumeClaim: { claimName: req.worldClaim } }] : []),
            { name: "target", persistentVolumeClaim: { claimName: req.targetClaim } },
          ],
        },
      },
    },
  };
}

/** What a finished Job's container wrote to its termination log: the archive's size, when it made or read one. */
export function parseTerminationMessage(message: string | undefined): { size?: number } | undefined {
  if (message === undefined || message.trim() === "") return undefined;
  try {
    const parsed = JSON.parse(message) as { size?: unknown };
    if (typeof parsed !== "object" || parsed === null) return undefined;
    return typeof parsed.size === "number" && Number.isSafeInteger(parsed.size) && parsed.size >= 0
      ? { size: parsed.size }
      : {};
  } catch {
    return undefined;
  }
}
