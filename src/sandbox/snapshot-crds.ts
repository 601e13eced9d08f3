/**
 * The VolumeSnapshot API (`snapshot.storage.k8s.io/v1`: VolumeSnapshotClass,
 * VolumeSnapshot, VolumeSnapshotContent) as the Kubernetes CSI project ships
 * it: the CRDs are the files `config/crd/snapshot.storage.k8s.io_*.yaml` of
 * the Go module `github.com/kubernetes-csi/external-snapshotter/client/v8`,
 * taken at a pinned version from the Go module cache (fetched with
 * `go mod download` when missing), never copied into this repository.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import type { KubeClient } from "../kube/client.ts";
import { moduleSource } from "./go-tool.ts";
import { waitFor } from "./wait.ts";

/** The module holding the CRDs, pinned. */
export const snapshotCrdModule = {
  module: "github.com/kubernetes-csi/external-snapshotter/client/v8",
  version: "v8.7.0",
} as const;

/** The three CRD files of the module's `config/crd` (the group snapshot ones are left out). */
export const snapshotCrdFiles = [
  "snapshot.storage.k8s.io_volumesnapshotclasses.yaml",
  "snapshot.storage.k8s.io_volumesnapshotcontents.yaml",
  "snapshot.storage.k8s.io_volumesnapshots.yaml",
] as const;

interface Crd {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
}

/** The CRDs, read from the module in the Go module cache (downloaded first when missing). */
export async function snapshotCrds(env: NodeJS.ProcessEnv = process.env): Promise<Crd[]> {
  const dir = join(moduleSource(snapshotCrdModule, env), "config", "crd");
  return Promise.all(snapshotCrdFiles.map(async (f) => load(await readFile(join(dir, f), "utf8")) as Crd));
}

const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/**
 * Applies the VolumeSnapshot CRDs (server-side apply, field manager
 * `stackwarden-sandbox`) and waits until the API server serves each: a
 * LIST of its resources answers (right after a CRD is Established, its
 * storage may still be initializing and answer 429). Idempotent.
 */
export async function installSnapshotCrds(client: KubeClient, timeoutMs = 60_000): Promise<void> {
  const crds = await snapshotCrds();
  for (const crd of crds)
    await client.request("PATCH", `${crdPath}/${crd.metadata.name}`, {
      query: { fieldManager: "stackwarden-sandbox", force: true },
      contentType: "application/apply-patch+yaml",
      body: JSON.stringify(crd),
    });
  for (const crd of crds) {
    const [plural = "", group = ""] = crd.metadata.name.split(/\.(.*)/s);
    await waitFor(`${crd.metadata.name} to be served`, timeoutMs, async () => {
      await client.request("LIST", `/apis/${group}/v1/${plural}`);
      return true;
    });
  }
}
