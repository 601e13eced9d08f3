/**
 * The sandbox's stand-in for a CSI driver with snapshot support and for the
 * snapshot controller, for one driver name, on local folders: what the job
 * runner (job-runner.ts) is to backup Jobs' containers. The API server, the
 * VolumeSnapshot CRDs (snapshot-crds.ts), the PersistentVolume controller
 * that binds claims and the scheduler are the real ones; this plays only the
 * parts a driver's deployment plays, through the API:
 *
 * - **provisioner** (the external-provisioner's part): a claim the PV
 *   controller hands to this driver (annotation
 *   `volume.kubernetes.io/storage-provisioner`) gets a PersistentVolume
 *   (`csi.driver` this driver, `volumeHandle` `<namespace>/<claim>`, pre-bound
 *   to the claim, which the PV controller then binds). Its folder is the job
 *   runner's folder for the claim, `<volumesDir>/<namespace>/<claim>`. A claim
 *   whose `dataSource` is a VolumeSnapshot gets its folder filled from the
 *   snapshot's folder first (and waits while the snapshot is not ready), so a
 *   pod using it is scheduled, and its Job run, only once the copy is there.
 *   A released volume of this driver with reclaim policy Delete is deleted,
 *   its folder too.
 * - **snapshotter** (the snapshot controller's and csi-snapshotter's part):
 *   a VolumeSnapshot of a bound claim, whose class has this driver, is taken
 *   by copying the claim's folder to `<volumesDir>/.snapshots/<handle>`; a
 *   VolumeSnapshotContent is made and both statuses are set (`readyToUse`,
 *   `restoreSize` in bytes, `creationTime`). A snapshot that cannot be taken
 *   gets `status.error`. When a VolumeSnapshot is gone, its content is deleted
 *   with its folder (deletionPolicy Delete) or kept (Retain).
 *
 * It looks every `pollMs`, in one namespace, like the job runner.
 */
import { cp, mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../kube/errors.ts";
import type { VolumeSnapshot } from "../resources/volume-snapshot.ts";
import { sandboxClaimDir } from "./job-runner.ts";

/** The driver name the sandbox's snapshotter plays unless told another. */
export const sandboxSnapshotDriver = "snapshots.sandbox.stackwarden.dev";

const group = "snapshot.storage.k8s.io";
const provisionerAnnotations = [
  "volume.kubernetes.io/storage-provisioner",
  "volume.beta.kubernetes.io/storage-provisioner",
];

interface SnapshotClass {
  readonly metadata?: { readonly name?: string };
  readonly driver?: string;
  readonly deletionPolicy?: "Delete" | "Retain";
}

interface SnapshotContent {
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly driver?: string;
    readonly deletionPolicy?: "Delete" | "Retain";
    readonly volumeSnapshotRef?: {
      readonly namespace?: string;
      readonly name?: string;
      readonly uid?: string;
    };
  };
  readonly status?: { readonly snapshotHandle?: string; readonly readyToUse?: boolean };
}

/** What `work` gives, or undefined when it failed with 404. */
async function unlessNotFound<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (e: unknown) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Waits for `work`; a 409 AlreadyExists is fine (made in an earlier round). */
async function unlessExists(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (e: unknown) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/** The folder holding the copy of snapshot `handle`. Pure. */
export function snapshotDir(volumesDir: string, handle: string): string {
  return join(volumesDir, ".snapshots", handle);
}

/** The bytes of the files under `dir` (0 when it is missing). */
export async function folderBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  let total = 0;
  for (const e of entries) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

/** Plays one CSI driver with snapshots, and the snapshot controller, in one namespace of the sandbox. */
export class SandboxSnapshotter {
  readonly #client: KubeClient;
  readonly #volumesDir: string;
  readonly #namespace: string;
  readonly #driver: string;
  readonly #pollMs: number;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    options: { volumesDir: string; namespace: string; driver?: string; pollMs?: number },
  ) {
    this.#client = client;
    this.#volumesDir = options.volumesDir;
    this.#namespace = options.namespace;
    this.#driver = options.driver ?? sandboxSnapshotDriver;
    this.#pollMs = options.pollMs ?? 200;
  }

  /** The driver name this stand-in plays. */
  get driver(): string {
    return this.#driver;
  }

  /**
   * Registers the driver as a real deployment does: a CSIDriver object (no
   * attach step, so the attach/detach controller leaves its volumes alone).
   */
  async install(): Promise<void> {
    try {
      await this.#client.request("POST", "/apis/storage.k8s.io/v1/csidrivers", {
        body: {
          apiVersion: "storage.k8s.io/v1",
          kind: "CSIDriver",
          metadata: { name: this.#driver },
          spec: { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ["Persistent"] },
        },
      });
    } catch (e: unknown) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /**
   * Removes what the driver made, as uninstalling a driver with its data
   * does: every VolumeSnapshotContent and PersistentVolume of the driver
   * (a volume still bound goes once its claim is gone), and the CSIDriver.
   * For after {@link stop}, when nothing looks after them any more.
   */
  async uninstall(): Promise<void> {
    const contents = await this.#client.request<{ items: SnapshotContent[] }>(
      "LIST",
      `/apis/${group}/v1/volumesnapshotcontents`,
    );
    for (const content of contents.items)
      if (content.spec?.driver === this.#driver)
        await unlessNotFound(
          this.#client.request(
            "DELETE",
            `/apis/${group}/v1/volumesnapshotcontents/${content.metadata?.name ?? ""}`,
          ),
        );
    const volumes = await this.#client.request<{ items: V1PersistentVolume[] }>(
      "LIST",
      "/api/v1/persistentvolumes",
    );
    for (const volume of volumes.items)
      if (volume.spec?.csi?.driver === this.#driver)
        await unlessNotFound(
          this.#client.request("DELETE", `/api/v1/persistentvolumes/${volume.metadata?.name ?? ""}`),
        );
    await unlessNotFound(
      this.#client.request("DELETE", `/apis/storage.k8s.io/v1/csidrivers/${this.#driver}`),
    );
  }

  /** Starts looking every `pollMs`. */
  start(): void {
    this.#loop ??= this.#poll();
  }

  /** Stops looking and waits for the round under way. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #poll(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      // A failed round (the API server restarting, an object changed meanwhile) is tried again next time.
      await this.#snapshots().catch(() => undefined);
      await this.#provision().catch(() => undefined);
      await this.#reclaim().catch(() => undefined);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#pollMs);
        this.#stop.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  #ns(path: string): string {
    return `/namespaces/${encodeURIComponent(this.#namespace)}/${path}`;
  }

  /** Takes the snapshots not taken yet, and deletes the contents whose snapshot is gone. */
  async #snapshots(): Promise<void> {
    const { items } = await this.#client.request<{ items: VolumeSnapshot[] }>(
      "LIST",
      `/apis/${group}/v1${this.#ns("volumesnapshots")}`,
    );
    for (const snapshot of items) {
      if (snapshot.status?.readyToUse === true || snapshot.status?.error !== undefined) continue;
      if (snapshot.metadata.deletionTimestamp !== undefined) continue;
      await this.#take(snapshot);
    }
    const live = new Set(items.map((s) => s.metadata.uid));
    const contents = await this.#client.request<{ items: SnapshotContent[] }>(
      "LIST",
      `/apis/${group}/v1/volumesnapshotcontents`,
    );
    for (const content of contents.items) {
      const ref = content.spec?.volumeSnapshotRef;
      if (content.spec?.driver !== this.#driver || ref?.namespace !== this.#namespace || live.has(ref.uid))
        continue;
      if (content.spec.deletionPolicy === "Retain") continue;
      if (content.status?.snapshotHandle)
        await rm(snapshotDir(this.#volumesDir, content.status.snapshotHandle), {
          recursive: true,
          force: true,
        });
      await unlessNotFound(
        this.#client.request(
          "DELETE",
          `/apis/${group}/v1/volumesnapshotcontents/${content.metadata?.name ?? ""}`,
        ),
      );
    }
  }

  async #take(snapshot: VolumeSnapshot): Promise<void> {
    const className = snapshot.spec.volumeSnapshotClassName ?? "";
    const cls = await unlessNotFound(
      this.#client.request<SnapshotClass>(
        "GET",
        `/apis/${group}/v1/volumesnapshotclasses/${encodeURIComponent(className)}`,
      ),
    );
    // Another driver's snapshot is that driver's business.
    if (cls?.driver !== this.#driver) return;
    const claimName = snapshot.spec.source.persistentVolumeClaimName;
    if (claimName === undefined) return; // A pre-provisioned snapshot: nothing to take.
    const claim = await unlessNotFound(
      this.#client.request<V1PersistentVolumeClaim>(
        "GET",
        `/api/v1${this.#ns(`persistentvolumeclaims/${claimName}`)}`,
      ),
    );
    const volume = claim?.spec?.volumeName
      ? await this.#client.request<V1PersistentVolume>(
          "GET",
          `/api/v1/persistentvolumes/${claim.spec.volumeName}`,
        )
      : undefined;
    if (claim?.status?.phase !== "Bound" || volume?.spec?.csi?.driver !== this.#driver) {
      const why =
        claim === undefined
          ? "does not exist"
          : claim.status?.phase !== "Bound"
            ? "is not bound"
            : `is not a volume of ${this.#driver}`;
      await this.#snapshotStatus(snapshot, {
        readyToUse: false,
        error: { message: `the source claim ${claimName} ${why}`, time: new Date().toISOString() },
      });
      return;
    }
    const handle = `snapshot-${snapshot.metadata.uid ?? ""}`;
    const into = snapshotDir(this.#volumesDir, handle);
    const from = sandboxClaimDir(this.#volumesDir, this.#namespace, claimName);
    await mkdir(from, { recursive: true });
    await rm(into, { recursive: true, force: true });
    await cp(from, into, { recursive: true, preserveTimestamps: true });
    const bytes = await folderBytes(into);
    const now = new Date();
    const contentName = `snapcontent-${snapshot.metadata.uid ?? ""}`;
    const content = {
      apiVersion: `${group}/v1`,
      kind: "VolumeSnapshotContent",
      metadata: { name: contentName },
      spec: {
        deletionPolicy: cls.deletionPolicy ?? "Delete",
        driver: this.#driver,
        source: { volumeHandle: volume.spec.csi.volumeHandle },
        sourceVolumeMode: "Filesystem",
        volumeSnapshotClassName: className,
        volumeSnapshotRef: {
          apiVersion: `${group}/v1`,
          kind: "VolumeSnapshot",
          name: snapshot.metadata.name,
          namespace: this.#namespace,
          uid: snapshot.metadata.uid,
        },
      },
    };
    await unlessExists(
      this.#client.request("POST", `/apis/${group}/v1/volumesnapshotcontents`, { body: content }),
    );
    await this.#client.request("PATCH", `/apis/${group}/v1/volumesnapshotcontents/${contentName}/status`, {
      contentType: "application/merge-patch+json",
      body: {
        status: {
          snapshotHandle: handle,
          readyToUse: true,
          restoreSize: bytes,
          creationTime: now.getTime() * 1_000_000,
        },
      },
    });
    await this.#snapshotStatus(snapshot, {
      boundVolumeSnapshotContentName: contentName,
      creationTime: now.toISOString(),
      readyToUse: true,
      restoreSize: String(bytes),
    });
  }

  async #snapshotStatus(
    snapshot: VolumeSnapshot,
    status: NonNullable<VolumeSnapshot["status"]>,
  ): Promise<void> {
    await this.#client.request(
      "PATCH",
      `/apis/${group}/v1${this.#ns(`volumesnapshots/${snapshot.metadata.name}`)}/status`,
      { contentType: "application/merge-patch+json", body: { status } },
    );
  }

  /** Makes a volume for each claim handed to this driver, filled from its snapshot when it names one. */
  async #provision(): Promise<void> {
    const { items } = await this.#client.request<{ items: V1PersistentVolumeClaim[] }>(
      "LIST",
      `/api/v1${this.#ns("persistentvolumeclaims")}`,
    );
    for (const claim of items) {
      const annotations = claim.metadata?.annotations ?? {};
      const ours = provisionerAnnotations.some((a) => annotations[a] === this.#driver);
      if (!ours || claim.spec?.volumeName || claim.status?.phase !== "Pending") continue;
      const name = claim.metadata?.name ?? "";
      const dir = sandboxClaimDir(this.#volumesDir, this.#namespace, name);
      const source = claim.spec?.dataSource;
      if (source?.kind === "VolumeSnapshot" && source.apiGroup === group) {
        const handle = await this.#readyHandle(source.name);
        if (handle === undefined) continue; // Not ready (yet): the claim waits, as with a real provisioner.
        await rm(dir, { recursive: true, force: true });
        await cp(snapshotDir(this.#volumesDir, handle), dir, { recursive: true, preserveTimestamps: true });
      } else {
        await mkdir(dir, { recursive: true });
      }
      const storageClass = claim.spec?.storageClassName ?? "";
      const cls = await this.#client.request<V1StorageClass>(
        "GET",
        `/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(storageClass)}`,
      );
      const volume: V1PersistentVolume = {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: {
          name: `pvc-${claim.metadata?.uid ?? ""}`,
          annotations: { "pv.kubernetes.io/provisioned-by": this.#driver },
        },
        spec: {
          accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
          capacity: { storage: claim.spec?.resources?.requests?.["storage"] ?? "1Gi" },
          claimRef: {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            namespace: this.#namespace,
            name,
            uid: claim.metadata?.uid ?? "",
          },
          persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? "Delete",
          storageClassName: storageClass,
          volumeMode: "Filesystem",
          csi: { driver: this.#driver, volumeHandle: `${this.#namespace}/${name}` },
        },
      };
      await unlessExists(this.#client.request("POST", "/api/v1/persistentvolumes", { body: volume }));
    }
  }

  /** The handle of the ready snapshot `name`'s content, or undefined while there is none. */
  async #readyHandle(name: string): Promise<string | undefined> {
    const snapshot = await unlessNotFound(
      this.#client.request<VolumeSnapshot>("GET", `/apis/${group}/v1${this.#ns(`volumesnapshots/${name}`)}`),
    );
    const contentName = snapshot?.status?.boundVolumeSnapshotContentName;
    if (snapshot?.status?.readyToUse !== true || contentName === undefined) return undefined;
    const content = await this.#client.request<SnapshotContent>(
      "GET",
      `/apis/${group}/v1/volumesnapshotcontents/${contentName}`,
    );
    return content.status?.readyToUse === true ? content.status.snapshotHandle : undefined;
  }

  /** Deletes this driver's released volumes of this namespace whose policy is Delete, folders too. */
  async #reclaim(): Promise<void> {
    const { items } = await this.#client.request<{ items: V1PersistentVolume[] }>(
      "LIST",
      "/api/v1/persistentvolumes",
    );
    for (const volume of items) {
      const ref = volume.spec?.claimRef;
      if (volume.spec?.csi?.driver !== this.#driver || ref?.namespace !== this.#namespace) continue;
      if (volume.status?.phase !== "Released" || volume.spec.persistentVolumeReclaimPolicy !== "Delete")
        continue;
      await rm(sandboxClaimDir(this.#volumesDir, this.#namespace, ref.name ?? ""), {
        recursive: true,
        force: true,
      });
      await unlessNotFound(
        this.#client.request("DELETE", `/api/v1/persistentvolumes/${volume.metadata?.name ?? ""}`),
      );
    }
  }
}
