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
 *
 * A Job for an S3-compatible target ({@link S3Location}) runs in an image with
 * curl (`curlimages/curl`): a backup first checks the bucket with a signed
 * HEAD (failing with "bucket B does not exist or is not reachable" before
 * archiving anything), then writes the archive to an `emptyDir` at
 * `/scratch` (an S3 PUT needs the length first) and uploads it with a SigV4
 * signed PUT; a restore downloads it there, checks it and extracts it; a
 * delete sends a signed DELETE. The access and secret keys come from the
 * named Secret through `secretKeyRef`, so only the pod ever sees them; the
 * script hands them to curl on its standard input (a config file), never on
 * a command line.
 */
import type {
  V1Container,
  V1EnvVar,
  V1Job,
  V1PodAffinityTerm,
  V1PodSpec,
  V1VolumeMount,
} from "@kubernetes/client-node";
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

/** The image the S3 scripts need: sh, tar with gzip, find, wc and curl with `--aws-sigv4`. */
export const s3BackupImage = "curlimages/curl:8.17.0";

/** Where the Job mounts the two claims, and (S3) the scratch folder the archive passes through. */
export const dataMount = "/data";
export const targetMount = "/backups";
export const scratchMount = "/scratch";

/** The Secret holding the keys that sign S3 requests, and which of its keys hold what. */
export interface S3SecretRef {
  readonly name: string;
  readonly accessKeyKey: string;
  readonly secretKeyKey: string;
}

/** Where one archive lives in S3-compatible storage. Holds no secret value. */
export interface S3Location {
  /** `http(s)://host[:port]`, without a path. */
  readonly endpoint: string;
  readonly bucket: string;
  /** The object's key in the bucket. */
  readonly key: string;
  readonly region: string;
  /** Address the bucket in the path (`endpoint/bucket/key`) rather than as a host name (`bucket.host/key`). */
  readonly forcePathStyle: boolean;
  /** In the stack's namespace. */
  readonly secret: S3SecretRef;
}

/** The object's URL: path style, or the bucket as the first label of the host name. Pure. */
export function s3ObjectUrl(location: Omit<S3Location, "secret" | "region">): string {
  const url = new URL(location.endpoint);
  const key = location.key.split("/").map(encodeURIComponent).join("/");
  if (location.forcePathStyle) return `${url.origin}/${location.bucket}/${key}`;
  return `${url.protocol}//${location.bucket}.${url.host}/${key}`;
}

/** The bucket's URL (for a HEAD that checks it), addressed as {@link s3ObjectUrl} addresses its objects. Pure. */
export function s3BucketUrl(location: Pick<S3Location, "endpoint" | "bucket" | "forcePathStyle">): string {
  const url = new URL(location.endpoint);
  if (location.forcePathStyle) return `${url.origin}/${location.bucket}`;
  return `${url.protocol}//${location.bucket}.${url.host}/`;
}

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
  /** The archive lives in S3-compatible storage, not in `targetClaim` (then unused). */
  readonly s3?: S3Location;
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

// curl's config on standard input carries the keys; printf is the shell's own, so they are on no command line.
const curl =
  'printf \'user = "%s:%s"\\n\' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" | curl -K - --silent --show-error --fail --aws-sigv4 "aws:amz:$S3_REGION:s3"';
const s3Scripts: Record<BackupOperation, string> = {
  backup: [
    "set -eu",
    // A signed HEAD of the bucket first: a missing bucket or an unreachable endpoint fails before any archiving.
    `if ! answer=$(${curl} --head --output /dev/null "$S3_BUCKET_URL" 2>&1); then`,
    '  printf \'bucket %s does not exist or is not reachable: %s\' "$S3_BUCKET" "$answer" >"$TERMINATION_LOG"',
    "  exit 1",
    "fi",
    'archive="$SCRATCH/archive.tar.gz"',
    'tar -C "$DATA" -czf "$archive" .',
    `${curl} --upload-file "$archive" "$S3_URL"`,
    'printf \'{"size":%s}\' "$(wc -c <"$archive" | tr -d " ")" >"$TERMINATION_LOG"',
  ].join("\n"),
  restore: [
    "set -eu",
    'archive="$SCRATCH/archive.tar.gz"',
    `${curl} --output "$archive" "$S3_URL"`,
    // Check the whole archive before touching the world, so a bad archive changes nothing.
    'gzip -t "$archive"',
    'find "$DATA" -mindepth 1 -maxdepth 1 -exec rm -rf {} +',
    'tar -C "$DATA" -xzf "$archive"',
    'printf \'{"size":%s}\' "$(wc -c <"$archive" | tr -d " ")" >"$TERMINATION_LOG"',
  ].join("\n"),
  delete: ["set -eu", `${curl} --request DELETE "$S3_URL"`, "printf '{}' >\"$TERMINATION_LOG\""].join("\n"),
};

/** The shell script a Job of `operation` runs (for the docs and the sandbox's runner), to a claim or to S3. */
export function backupScript(operation: BackupOperation, target: "claim" | "s3" = "claim"): string {
  return (target === "s3" ? s3Scripts : scripts)[operation];
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
 * A Job of one backup run with `pod` as its pod: no retries (`backoffLimit: 0`;
 * the control plane reports the failure), removed an hour after it finishes,
 * it and its pod labelled with the stack and {@link backupRunLabels}.
 */
export function backupRunJob(
  req: Pick<BackupJobRequest, "operation" | "backupId" | "run" | "namespace" | "stack">,
  pod: Omit<V1PodSpec, "restartPolicy">,
): V1Job {
  const labels = {
    [managedByLabel]: managedByValue,
    [stackLabel]: req.stack,
    [componentLabel]: "backup",
    ...backupRunLabels(req),
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: backupJobName(req.operation, req.backupId, req.run), namespace: req.namespace, labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      template: { metadata: { labels }, spec: { restartPolicy: "Never", ...pod } },
    },
  };
}

/** The Job for `req` ({@link backupRunJob}): the world mounted read-only for a backup and not at all for a delete. */
export function buildBackupJob(req: BackupJobRequest): V1Job {
  // A delete touches the target only, so it never waits for the world's node.
  const usesWorld = req.operation !== "delete";
  const beside: V1PodAffinityTerm | undefined =
    usesWorld && req.besidePods
      ? { labelSelector: { matchLabels: { ...req.besidePods } }, topologyKey: "kubernetes.io/hostname" }
      : undefined;
  return backupRunJob(req, {
    ...(beside
      ? { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [beside] } } }
      : {}),
    ...(req.s3 ? { securityContext: { runAsUser: 0 } } : {}),
    containers: [req.s3 ? s3Container(req, req.s3, usesWorld) : claimContainer(req, usesWorld)],
    volumes: [
      ...(usesWorld ? [{ name: "world", persistentVolumeClaim: { claimName: req.worldClaim } }] : []),
      req.s3
        ? { name: "scratch", emptyDir: {} }
        : { name: "target", persistentVolumeClaim: { claimName: req.targetClaim } },
    ],
  });
}

const worldMount = (req: BackupJobRequest, usesWorld: boolean): V1VolumeMount[] =>
  usesWorld ? [{ name: "world", mountPath: dataMount, readOnly: req.operation === "backup" }] : [];

const commonEnv = (req: BackupJobRequest, where: V1EnvVar): V1EnvVar[] => [
  { name: "DATA", value: dataMount },
  where,
  { name: "ARCHIVE", value: req.archive },
  { name: "TERMINATION_LOG", value: "/dev/termination-log" },
];

function claimContainer(req: BackupJobRequest, usesWorld: boolean): V1Container {
  return {
    name: req.operation,
    image: backupImage,
    command: ["sh", "-c", scripts[req.operation]],
    env: commonEnv(req, { name: "TARGET", value: `${targetMount}/${req.stack}` }),
    terminationMessagePolicy: "File",
    volumeMounts: [...worldMount(req, usesWorld), { name: "target", mountPath: targetMount }],
  };
}

/** Runs as root, like the busybox Job: the world's files belong to the server's user. */
function s3Container(req: BackupJobRequest, s3: S3Location, usesWorld: boolean): V1Container {
  const fromSecret = (name: string, key: string): V1EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: s3.secret.name, key } },
  });
  return {
    name: req.operation,
    image: s3BackupImage,
    command: ["sh", "-c", s3Scripts[req.operation]],
    env: [
      ...commonEnv(req, { name: "SCRATCH", value: scratchMount }),
      { name: "S3_URL", value: s3ObjectUrl(s3) },
      { name: "S3_BUCKET", value: s3.bucket },
      { name: "S3_BUCKET_URL", value: s3BucketUrl(s3) },
      { name: "S3_REGION", value: s3.region },
      fromSecret("S3_ACCESS_KEY", s3.secret.accessKeyKey),
      fromSecret("S3_SECRET_KEY", s3.secret.secretKeyKey),
    ],
    terminationMessagePolicy: "File",
    volumeMounts: [...worldMount(req, usesWorld), { name: "scratch", mountPath: scratchMount }],
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
