/**
 * Whether a world claim can be backed up as a VolumeSnapshot, looked up
 * through the API for each backup: the claim → its StorageClass → the
 * class's `provisioner` (the CSI driver) → the VolumeSnapshotClasses
 * (`snapshot.storage.k8s.io/v1`) whose `driver` is that one. When the answer
 * is no, it says why in a closed set of reasons, so an archive can be made
 * instead and the backup can record the reason.
 */
import type { V1PersistentVolumeClaim, V1StorageClass } from "@kubernetes/client-node";
import type { KubeClient } from "../../kube/client.ts";
import { KubeApiError } from "../../kube/errors.ts";

/** The API group of VolumeSnapshots, their classes and contents. */
export const snapshotGroup = "snapshot.storage.k8s.io";
/** The annotation that makes a VolumeSnapshotClass its driver's default. */
export const defaultSnapshotClassAnnotation = "snapshot.storage.kubernetes.io/is-default-class";

/** Why a claim cannot be snapshotted. */
export const snapshotSkipReasons = [
  /** The cluster does not serve `snapshot.storage.k8s.io/v1` VolumeSnapshotClasses (no CRD). */
  "NoSnapshotApi",
  /** No VolumeSnapshotClass has the claim's driver. */
  "NoSnapshotClass",
  /** The control plane may not read the claim, its StorageClass or the snapshot classes. */
  "Forbidden",
  /** The world claim does not exist, or is not bound to a volume yet (the server never ran). */
  "NoWorldClaim",
  /** The claim names no StorageClass, or one that does not exist. */
  "NoStorageClass",
] as const;
export type SnapshotSkipReason = (typeof snapshotSkipReasons)[number];

/** A VolumeSnapshotClass as far as choosing one needs. */
export interface SnapshotClassSummary {
  readonly metadata?: { readonly name?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly driver?: string;
}

/** What the lookup found: the class to take the snapshot with, or why there is none. */
export type SnapshotLookup =
  | {
      readonly found: true;
      readonly className: string;
      readonly driver: string;
      readonly storageClass: string;
    }
  | { readonly found: false; readonly reason: SnapshotSkipReason; readonly message: string };

/**
 * The VolumeSnapshotClass for `driver` among `classes`: of those whose
 * `driver` is `driver`, the one annotated as default
 * (`snapshot.storage.kubernetes.io/is-default-class: "true"`; if several are,
 * the alphabetically first of them); else the only one; else the
 * alphabetically first. Undefined when none has the driver. Pure.
 */
export function chooseSnapshotClass(
  classes: readonly SnapshotClassSummary[],
  driver: string,
): string | undefined {
  const names = (list: readonly SnapshotClassSummary[]): string[] =>
    list.map((c) => c.metadata?.name ?? "").sort();
  const ofDriver = classes.filter((c) => c.driver === driver && (c.metadata?.name ?? "") !== "");
  const defaults = ofDriver.filter(
    (c) => c.metadata?.annotations?.[defaultSnapshotClassAnnotation] === "true",
  );
  return names(defaults)[0] ?? names(ofDriver)[0];
}

/**
 * The reason a failed read of `what` gives, when it is one that means "no
 * snapshot here" (404 → `notFound`, 403 → Forbidden); undefined for any other
 * failure, which the caller should not swallow. Pure.
 */
export function skipReasonOf(e: unknown, notFound: SnapshotSkipReason): SnapshotSkipReason | undefined {
  if (!(e instanceof KubeApiError)) return undefined;
  if (e.status === 404) return notFound;
  if (e.status === 403) return "Forbidden";
  return undefined;
}

const claimPath = (namespace: string, claim: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(claim)}`;

/**
 * Looks up, through the API, whether `claim` in `namespace` can be
 * snapshotted and with which class (three reads: the claim, its
 * StorageClass, the VolumeSnapshotClasses). A 404 or 403 on the way is an
 * answer (not found, with the reason); any other failure throws.
 */
export async function findSnapshotClass(
  client: KubeClient,
  namespace: string,
  claim: string,
): Promise<SnapshotLookup> {
  const skip = (reason: SnapshotSkipReason, message: string): SnapshotLookup => ({
    found: false,
    reason,
    message,
  });
  const read = async <T>(
    verb: "GET" | "LIST",
    path: string,
    notFound: SnapshotSkipReason,
  ): Promise<T | SnapshotSkipReason> => {
    try {
      return await client.request<T>(verb, path);
    } catch (e: unknown) {
      const reason = skipReasonOf(e, notFound);
      if (reason === undefined) throw e;
      return reason;
    }
  };
  const pvc = await read<V1PersistentVolumeClaim>("GET", claimPath(namespace, claim), "NoWorldClaim");
  if (typeof pvc === "string") return skip(pvc, `the world claim ${claim} could not be read (${pvc})`);
  if (pvc.status?.phase !== "Bound")
    return skip("NoWorldClaim", `the world claim ${claim} is not bound to a volume yet`);
  const className = pvc.spec?.storageClassName ?? "";
  if (className === "") return skip("NoStorageClass", `the world claim ${claim} names no StorageClass`);
  const storageClass = await read<V1StorageClass>(
    "GET",
    `/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(className)}`,
    "NoStorageClass",
  );
  if (typeof storageClass === "string")
    return skip(storageClass, `the StorageClass ${className} could not be read (${storageClass})`);
  const driver = storageClass.provisioner;
  const classes = await read<{ items: SnapshotClassSummary[] }>(
    "LIST",
    `/apis/${snapshotGroup}/v1/volumesnapshotclasses`,
    "NoSnapshotApi",
  );
  if (classes === "NoSnapshotApi")
    return skip(classes, `the cluster does not serve ${snapshotGroup}/v1 VolumeSnapshotClasses`);
  if (typeof classes === "string")
    return skip(classes, "VolumeSnapshotClasses could not be listed (Forbidden)");
  const chosen = chooseSnapshotClass(classes.items, driver);
  if (chosen === undefined)
    return skip(
      "NoSnapshotClass",
      `no VolumeSnapshotClass has the driver ${driver} of StorageClass ${className}`,
    );
  return { found: true, className: chosen, driver, storageClass: className };
}
