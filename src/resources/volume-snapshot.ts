/**
 * The objects of a snapshot backup of a game server's world claim: the
 * VolumeSnapshot itself; and, to restore one, a temporary claim made from the
 * snapshot (`dataSource`) and a Job that mounts it beside the world claim and
 * replaces the world's contents with the copy's. Pure: the same request
 * gives the same objects.
 *
 * The live world claim is never deleted or replaced: the copy comes back
 * through a claim of its own, which the restore Job owns, so deleting the
 * Job (or its `ttlSecondsAfterFinished`) lets the garbage collector delete
 * the temporary claim too.
 */
import type { V1Job, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { backupImage, backupRunJob, dataMount } from "./backup-job.ts";
import { managedByLabel, managedByValue } from "./labels.ts";

/** On a VolumeSnapshot (and a restore's claim): the stack whose world it is a copy of. */
export const backupsOfLabel = "stackwarden.dev/backups-of";
/** On a VolumeSnapshot: the backup's id. */
export const snapshotBackupLabel = "stackwarden.dev/backup";
/** Where the restore Job mounts the claim made from the snapshot (read-only). */
export const snapshotMount = "/snapshot";

/** A VolumeSnapshot (`snapshot.storage.k8s.io/v1`), as far as Stackwarden reads and writes it. */
export interface VolumeSnapshot {
  apiVersion: "snapshot.storage.k8s.io/v1";
  kind: "VolumeSnapshot";
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec: {
    source: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string };
    volumeSnapshotClassName?: string;
  };
  status?: {
    boundVolumeSnapshotContentName?: string;
    creationTime?: string;
    readyToUse?: boolean;
    restoreSize?: string;
    error?: { message?: string; time?: string };
  };
}

/** Which snapshot of which claim, for which backup of which stack. */
export interface SnapshotRequest {
  readonly namespace: string;
  readonly stack: string;
  readonly backupId: string;
  /** The VolumeSnapshot's name. */
  readonly name: string;
  readonly className: string;
  readonly claim: string;
}

const labelsOf = (stack: string, backupId: string): Record<string, string> => ({
  [managedByLabel]: managedByValue,
  [backupsOfLabel]: stack,
  [snapshotBackupLabel]: backupId,
});

/**
 * The VolumeSnapshot of the world claim. Like an archive's claim it is not
 * owned by the stack: deleting a stack keeps its backups.
 */
export function buildVolumeSnapshot(req: SnapshotRequest): VolumeSnapshot {
  return {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshot",
    metadata: { name: req.name, namespace: req.namespace, labels: labelsOf(req.stack, req.backupId) },
    spec: { source: { persistentVolumeClaimName: req.claim }, volumeSnapshotClassName: req.className },
  };
}

/** What a snapshot restore makes: the temporary claim and the Job, for one run. */
export interface SnapshotRestoreRequest {
  readonly namespace: string;
  readonly stack: string;
  readonly backupId: string;
  /** Tells this run from others of the same backup: lowercase letters and digits, at most 10. */
  readonly run: string;
  readonly snapshot: string;
  /** The StorageClass of the claim the snapshot was taken of. */
  readonly storageClass: string;
  /** What the temporary claim asks for: at least the snapshot's `restoreSize`. */
  readonly size: string;
  readonly worldClaim: string;
}

/** The temporary claim's name: one per run, so a backup may be restored many times. */
export const restoreClaimName = (req: Pick<SnapshotRestoreRequest, "backupId" | "run">): string =>
  `sw-snapshot-${req.backupId.replace(/-/g, "").slice(0, 16)}-${req.run.slice(0, 10)}`;

/** The claim filled from the snapshot, owned by the restore Job `job` (its name and uid). */
export function buildRestoreClaim(
  req: SnapshotRestoreRequest,
  job: { readonly name: string; readonly uid: string },
): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: restoreClaimName(req),
      namespace: req.namespace,
      labels: labelsOf(req.stack, req.backupId),
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: job.name, uid: job.uid }],
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: req.storageClass,
      resources: { requests: { storage: req.size } },
      dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: req.snapshot },
    },
  };
}

/**
 * The restore Job's script: read the whole copy first (so a copy that cannot
 * be read changes nothing), then empty the world and copy the snapshot's
 * contents in, owners and modes kept.
 */
export const snapshotRestoreScript = [
  "set -eu",
  'test -d "$SOURCE"',
  'tar -C "$SOURCE" -cf - . >/dev/null',
  'find "$DATA" -mindepth 1 -maxdepth 1 -exec rm -rf {} +',
  'cp -a "$SOURCE/." "$DATA/"',
  "printf '{}' >\"$TERMINATION_LOG\"",
].join("\n");

/**
 * The Job that copies the temporary claim into the world claim: one try
 * (`backoffLimit: 0`), removed an hour after it ends (and its claim with it),
 * labelled as a backup's restore run so its pod is found as an archive
 * restore's is.
 */
export function buildSnapshotRestoreJob(req: SnapshotRestoreRequest): V1Job {
  return backupRunJob(
    { ...req, operation: "restore" },
    {
      containers: [
        {
          name: "restore",
          image: backupImage,
          command: ["sh", "-c", snapshotRestoreScript],
          env: [
            { name: "DATA", value: dataMount },
            { name: "SOURCE", value: snapshotMount },
            { name: "TERMINATION_LOG", value: "/dev/termination-log" },
          ],
          terminationMessagePolicy: "File",
          volumeMounts: [
            { name: "world", mountPath: dataMount },
            { name: "snapshot", mountPath: snapshotMount, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: "world", persistentVolumeClaim: { claimName: req.worldClaim } },
        { name: "snapshot", persistentVolumeClaim: { claimName: restoreClaimName(req), readOnly: true } },
      ],
    },
  );
}
