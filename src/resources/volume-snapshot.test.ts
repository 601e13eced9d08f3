import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { backupIdLabel, backupOperationLabel } from "./backup-job.ts";
import {
  buildRestoreClaim,
  buildSnapshotRestoreJob,
  buildVolumeSnapshot,
  restoreClaimName,
  snapshotRestoreScript,
} from "./volume-snapshot.ts";

const backupId = "0b4e6f0e-9c1d-4a57-8c44-1f0e5c9d2a11";
const request = {
  namespace: "games",
  stack: "mc",
  backupId,
  run: "a1b2c3d4",
  snapshot: "mc-20261201t120000z-abcdef",
  storageClass: "fast",
  size: "2Gi",
  worldClaim: "data-mc-0",
};

describe("snapshot backup objects", () => {
  it("a VolumeSnapshot of the world claim, labelled with the stack and backup and owned by nothing", () => {
    const vs = buildVolumeSnapshot({
      namespace: "games",
      stack: "mc",
      backupId,
      name: request.snapshot,
      className: "csi-snap",
      claim: "data-mc-0",
    });
    assert.deepEqual(vs.spec, {
      source: { persistentVolumeClaimName: "data-mc-0" },
      volumeSnapshotClassName: "csi-snap",
    });
    assert.equal(vs.metadata.labels?.["stackwarden.dev/backups-of"], "mc");
    assert.equal(vs.metadata.labels?.["stackwarden.dev/backup"], backupId);
    assert.equal("ownerReferences" in vs.metadata, false, "deleting the stack keeps its backups");
  });

  it("a restore claim from the snapshot, in the source's StorageClass, owned by the restore Job", () => {
    const claim = buildRestoreClaim(request, { name: "sw-restore-x", uid: "uid-1" });
    assert.equal(claim.metadata?.name, restoreClaimName(request));
    assert.deepEqual(claim.spec?.dataSource, {
      apiGroup: "snapshot.storage.k8s.io",
      kind: "VolumeSnapshot",
      name: request.snapshot,
    });
    assert.equal(claim.spec?.storageClassName, "fast");
    assert.equal(claim.spec?.resources?.requests?.["storage"], "2Gi");
    assert.deepEqual(claim.metadata?.ownerReferences, [
      { apiVersion: "batch/v1", kind: "Job", name: "sw-restore-x", uid: "uid-1" },
    ]);
    assert.ok(restoreClaimName(request).length <= 63);
  });

  it("a restore Job mounting the world (writable) and the copy (read-only), found as a restore run", () => {
    const job = buildSnapshotRestoreJob(request);
    const pod = job.spec?.template.spec;
    assert.deepEqual(
      pod?.volumes?.map((v) => [
        v.name,
        v.persistentVolumeClaim?.claimName,
        v.persistentVolumeClaim?.readOnly,
      ]),
      [
        ["world", "data-mc-0", undefined],
        ["snapshot", restoreClaimName(request), true],
      ],
    );
    assert.equal(job.spec?.template.metadata?.labels?.[backupOperationLabel], "restore");
    assert.equal(job.spec?.template.metadata?.labels?.[backupIdLabel], backupId);
    assert.equal(job.spec?.backoffLimit, 0);
    assert.ok((job.metadata?.name ?? "").length <= 63);
  });
});

describe("the snapshot restore script", () => {
  const run = (source: string, data: string, log: string): number =>
    spawnSync("sh", ["-c", snapshotRestoreScript], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", SOURCE: source, DATA: data, TERMINATION_LOG: log },
    }).status ?? 1;

  it("replaces the world's contents with the copy's, hidden files too", () => {
    const dir = mkdtempSync(join(tmpdir(), "snapshot-restore-"));
    try {
      const [source, data] = [join(dir, "source"), join(dir, "data")];
      mkdirSync(join(source, "world", "region"), { recursive: true });
      writeFileSync(join(source, "world", "level.dat"), "saved");
      writeFileSync(join(source, ".hidden"), "dot");
      mkdirSync(join(data, "world"), { recursive: true });
      writeFileSync(join(data, "world", "level.dat"), "griefed");
      writeFileSync(join(data, "griefer.txt"), "was here");
      assert.equal(run(source, data, join(dir, "log")), 0);
      assert.equal(readFileSync(join(data, "world", "level.dat"), "utf8"), "saved");
      assert.equal(readFileSync(join(data, ".hidden"), "utf8"), "dot");
      assert.equal(existsSync(join(data, "griefer.txt")), false);
      assert.ok(existsSync(join(data, "world", "region")));
      assert.equal(readFileSync(join(dir, "log"), "utf8"), "{}");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a copy that is not there changes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "snapshot-restore-"));
    try {
      const data = join(dir, "data");
      mkdirSync(data);
      writeFileSync(join(data, "keep.txt"), "untouched");
      assert.notEqual(run(join(dir, "missing"), data, join(dir, "log")), 0);
      assert.equal(readFileSync(join(data, "keep.txt"), "utf8"), "untouched");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
