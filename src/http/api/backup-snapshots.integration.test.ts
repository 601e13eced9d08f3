import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { BatchV1Api, CoreV1Api, CustomObjectsApi, StorageV1Api } from "@kubernetes/client-node";
import { ClusterClients } from "../../controlplane/game/cluster-clients.ts";
import { openStore } from "../../controlplane/store/store.ts";
import { KubeClient } from "../../kube/client.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { VolumeSnapshot } from "../../resources/volume-snapshot.ts";
import { SandboxJobRunner } from "../../sandbox/job-runner.ts";
import { installSnapshotCrds } from "../../sandbox/snapshot-crds.ts";
import { folderBytes, SandboxSnapshotter, snapshotDir } from "../../sandbox/snapshotter.ts";
import { useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { backupCalls, startBackupApi } from "../backup-test-calls.ts";

// Snapshot backups against the sandbox: the real API server serves the VolumeSnapshot CRDs (from the
// external-snapshotter client module), the PV controller binds claims and the scheduler places pods;
// the sandbox's stand-in plays the CSI driver and snapshot controller on local folders, and the job
// runner runs the restore Job's script (docs/sandbox.md, "Snapshots"). The driver, its StorageClass
// and its VolumeSnapshotClass are this file's own, so nothing else on the cluster matches them.
const { kc, namespace } = await useTestNamespace("backup-snapshots");
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const storage = kc.makeApiClient(StorageV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const store = await openStore({ dataDir: "memory://" });
after(() => store.close());
const clusters = new ClusterClients(store, "local", kc);
after(() => clusters.close());
const volumes = mkdtempSync(join(tmpdir(), "backup-snapshots-"));
after(() => rmSync(volumes, { recursive: true, force: true }));

const client = new KubeClient(kc);
after(() => client.close());
await installSnapshotCrds(client);
const unique = randomBytes(4).toString("hex");
const driver = `snap-${unique}.sandbox.stackwarden.dev`;
const storageClass = `snap-${unique}`;
const snapshotClass = `snap-${unique}`;
const snapshotter = new SandboxSnapshotter(client, { volumesDir: volumes, namespace, driver, pollMs: 100 });
await snapshotter.install();
await storage.createStorageClass({
  body: {
    metadata: { name: storageClass },
    provisioner: driver,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  },
});
const runner = new SandboxJobRunner(client, { volumesDir: volumes, namespace, pollMs: 100 });
runner.start();
snapshotter.start();
after(async () => {
  await runner.stop();
  await snapshotter.stop();
  const gone = (): undefined => undefined;
  await custom
    .deleteClusterCustomObject({
      group: "snapshot.storage.k8s.io",
      version: "v1",
      plural: "volumesnapshotclasses",
      name: snapshotClass,
    })
    .catch(gone);
  await storage.deleteStorageClass({ name: storageClass }).catch(gone);
  await snapshotter.uninstall();
});

const { api, id } = await startBackupApi(store, clusters, namespace);
// The world claim the StatefulSet would make, in the driver's StorageClass, and the pod using it:
// the scheduler picks its node, the PV controller hands the claim to the driver, which provisions it.
await core.createNamespacedPersistentVolumeClaim({
  namespace,
  body: {
    metadata: { name: "data-mc-0" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: storageClass,
      resources: { requests: { storage: "1Gi" } },
    },
  },
});
const serverPod = {
  metadata: { name: "mc-0", labels: selectorLabels({ stack: "mc", component: "server" }) },
  spec: {
    containers: [
      {
        name: "server",
        image: "itzg/minecraft-server",
        volumeMounts: [{ name: "data", mountPath: "/data" }],
      },
    ],
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-mc-0" } }],
  },
};
await core.createNamespacedPod({ namespace, body: serverPod });
await eventually("the server pod to run on its bound claim", async () => {
  const p = await core.readNamespacedPod({ name: "mc-0", namespace });
  return p.status?.phase === "Running" ? true : undefined;
});
const worldUid = (await core.readNamespacedPersistentVolumeClaim({ name: "data-mc-0", namespace })).metadata
  ?.uid;

const world = runner.claimDir("data-mc-0");
const backupsUrl = `/api/v1/stacks/${id}/backups`;

const { list, settled, backupNow } = backupCalls(api, id);

async function snapshots(): Promise<VolumeSnapshot[]> {
  const r = (await custom.listNamespacedCustomObject({
    group: "snapshot.storage.k8s.io",
    version: "v1",
    namespace,
    plural: "volumesnapshots",
  })) as { items: VolumeSnapshot[] };
  return r.items;
}

/** Every file under `dir` with its bytes, by path. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile())
      files[relative(dir, join(e.parentPath, e.name))] = readFileSync(join(e.parentPath, e.name), "base64");
  return files;
}

describe("snapshot backups on the sandbox", () => {
  it("answers a bad method, a snapshot to a target, an impossible snapshot and weak roles, changing nothing", async () => {
    const add = await api.call("POST", "/api/v1/backup-targets", {
      as: "admin",
      body: { name: "shared", claim: "shared-backups" },
    });
    assert.equal(add.statusCode, 201, add.body);
    const cases: Array<[string, "anonymous" | "viewer" | "operator", unknown, number, RegExp?]> = [
      ["an unknown method", "operator", { method: "copy" }, 422, /\/method/],
      ["a method that is no string", "operator", { method: 1 }, 422, /\/method/],
      ["a snapshot to a target", "operator", { method: "snapshot", target: "shared" }, 422, /\/method/],
      ["a snapshot with no class for the driver", "operator", { method: "snapshot" }, 409, /NoSnapshotClass/],
      ["a snapshot as viewer", "viewer", { method: "snapshot" }, 403],
      ["a snapshot without a token", "anonymous", { method: "snapshot" }, 401],
    ];
    const before = await api.counts();
    for (const [name, as, body, status, detail] of cases) {
      const r = await api.call("POST", backupsUrl, { as, body });
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      if (detail) assert.match(r.body, detail, name);
    }
    assert.equal((await api.call("GET", backupsUrl, { as: "viewer" })).statusCode, 403, "list as viewer");
    assert.deepEqual(await api.counts(), before);
    assert.deepEqual(await list(), []);
    assert.deepEqual(await snapshots(), []);
    assert.equal((await batch.listNamespacedJob({ namespace })).items.length, 0);
    assert.equal(
      (await api.call("DELETE", "/api/v1/backup-targets/shared", { as: "admin" })).statusCode,
      204,
    );
  });

  it("with no snapshot class for the driver, makes an archive and records why", async () => {
    writeFileSync(join(world, "level.dat"), "an archived world");
    const made = await backupNow();
    assert.equal(made.method, "archive");
    assert.equal(made.snapshot, null);
    assert.match(
      made.snapshotSkipped ?? "",
      /^NoSnapshotClass: .*snap-[0-9a-f]{8}\.sandbox\.stackwarden\.dev/,
    );
    const [started] = await store.events({ stackId: id, types: ["BackupStarted"], limit: 1 });
    assert.equal(started?.data["snapshotSkipped"], made.snapshotSkipped);
    assert.equal((await api.call("DELETE", `${backupsUrl}/${made.id}`, { as: "operator" })).statusCode, 204);
  });

  it("with a class, snapshots the world, restores it byte for byte through stop → restore → start, and deletes", async (t) => {
    await custom.createClusterCustomObject({
      group: "snapshot.storage.k8s.io",
      version: "v1",
      plural: "volumesnapshotclasses",
      body: {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotClass",
        metadata: { name: snapshotClass },
        driver,
        deletionPolicy: "Delete",
      },
    });
    mkdirSync(join(world, "world", "region"), { recursive: true });
    writeFileSync(join(world, "world", "level.dat"), "the saved world");
    writeFileSync(join(world, "world", "region", "r.0.0.mca"), randomBytes(256 * 1024));
    writeFileSync(join(world, ".hidden"), "dot file");
    const saved = tree(world);

    const backupStarted = Date.now();
    const made = await backupNow();
    const backupMs = Date.now() - backupStarted;
    assert.equal(made.method, "snapshot");
    assert.equal(made.snapshotSkipped, null);
    assert.deepEqual(made.snapshot, {
      name: made.archive,
      className: snapshotClass,
      sourceClaim: "data-mc-0",
      storageClass,
    });
    assert.equal(made.sizeBytes, await folderBytes(world), "the size is the snapshot's restoreSize");
    const [snapshot] = await snapshots();
    assert.equal(snapshot?.metadata.name, made.archive);
    assert.equal(snapshot.status?.readyToUse, true);
    assert.equal(snapshot.metadata.labels?.["stackwarden.dev/backups-of"], "mc");
    assert.equal(snapshot.metadata.labels?.["stackwarden.dev/backup"], made.id);
    const consoleLog = (await store.events({ stackId: id, types: ["ConsoleCommand"], limit: 3 }))
      .map((e) => e.data["command"])
      .reverse();
    assert.deepEqual(consoleLog, ["save-off", "save-all flush", "save-on"]);

    writeFileSync(join(world, "world", "level.dat"), "griefed");
    unlinkSync(join(world, "world", "region", "r.0.0.mca"));
    writeFileSync(join(world, "griefer.txt"), "was here");
    // Stop → restore → start as one operation; this test plays the operator's part of the stop
    // (the pod goes, and the stopped generation is observed), as no operator runs here.
    const restore = await api.call("POST", `${backupsUrl}/${made.id}/restore`, {
      as: "operator",
      body: { stopFirst: true },
    });
    assert.equal(restore.statusCode, 202, restore.body);
    await eventually(
      "StackStopped",
      async () => (await store.events({ stackId: id, types: ["StackStopped"], limit: 1 }))[0],
    );
    await core.deleteNamespacedPod({ name: "mc-0", namespace, gracePeriodSeconds: 0 });
    const stopped = await store.stacks.get(id);
    await store.stacks.markApplied(id, stopped?.powerGeneration ?? stopped?.generation ?? 0);
    const restoreStarted = Date.now(); // From here: the restore Job, its claim from the snapshot, and start.
    await eventually(
      "BackupRestored and StackStarted",
      async () => {
        const [done] = await store.events({
          stackId: id,
          types: ["BackupRestored", "RestoreFailed"],
          limit: 1,
        });
        if (done?.type === "RestoreFailed")
          throw new Error(`restore failed: ${String(done.data["message"])}`);
        const [started] = await store.events({ stackId: id, types: ["StackStarted"], limit: 1 });
        return done?.data["backupId"] === made.id && started ? true : undefined;
      },
      { timeoutMs: 120_000 },
    );
    const restoreMs = Date.now() - restoreStarted;
    assert.deepEqual(tree(world), saved, "the world is the saved one, byte for byte");
    assert.equal((await settled(made.id, "Completed")).id, made.id);
    const flow = (
      await store.events({
        stackId: id,
        types: ["RestoreStarted", "StackStopped", "BackupRestored", "StackStarted"],
        limit: 4,
      })
    )
      .map((e) => e.type)
      .reverse();
    assert.deepEqual(flow, ["RestoreStarted", "StackStopped", "BackupRestored", "StackStarted"]);
    t.diagnostic(
      `snapshot backup of a ${made.sizeBytes} B world: ${backupMs} ms; restore once stopped (the claim from the snapshot, the Job, start): ${restoreMs} ms`,
    );
    // The live world claim is the same one; the temporary claim went with its Job.
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: "data-mc-0", namespace });
    assert.equal(claim.metadata?.uid, worldUid);
    await eventually("the restore's claim and Job to be gone", async () => {
      const restoring = { namespace, labelSelector: `stackwarden.dev/backup=${made.id}` };
      const claims = (await core.listNamespacedPersistentVolumeClaim(restoring)).items;
      const jobs = (await batch.listNamespacedJob(restoring)).items;
      return claims.length === 0 && jobs.length === 0 ? true : undefined;
    });

    // Retention applies as for archives: keepLast 1 deletes the older snapshot.
    const newer = await backupNow({ retention: { keepLast: 1 } });
    assert.equal(newer.method, "snapshot");
    await eventually("the older snapshot backup to go", async () => {
      const names = (await snapshots()).map((s) => s.metadata.name);
      const ids = (await list()).map((b) => b.id);
      return names.length === 1 && ids.length === 1 ? [names, ids] : undefined;
    }).then(([names, ids]) => {
      assert.deepEqual(names, [newer.archive]);
      assert.deepEqual(ids, [newer.id]);
    });

    const removed = await api.call("DELETE", `${backupsUrl}/${newer.id}`, { as: "operator" });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.deepEqual(await snapshots(), []);
    assert.deepEqual(await list(), []);
    await eventually("the snapshots' copies to be deleted (deletionPolicy Delete)", () =>
      existsSync(snapshotDir(volumes, "")) && readdirSync(snapshotDir(volumes, "")).length === 0
        ? true
        : undefined,
    );
    const types = (await store.events({ stackId: id, limit: 200 })).map((e) => e.type);
    for (const type of [
      "BackupStarted",
      "BackupCompleted",
      "RestoreStarted",
      "BackupRestored",
      "BackupDeleted",
    ])
      assert.ok(types.includes(type), `${type} in ${types.join(", ")}`);
  });
});
