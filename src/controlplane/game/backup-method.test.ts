import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ServiceError } from "../stack-service.ts";
import { planBackupMethod, type BackupMethodChoice, type BackupMethodPlan } from "./backup-method.ts";
import type { SnapshotLookup } from "./snapshot-class.ts";

const found: SnapshotLookup = { found: true, className: "csi-snap", driver: "d.csi", storageClass: "fast" };
const none: SnapshotLookup = {
  found: false,
  reason: "NoSnapshotClass",
  message: "no VolumeSnapshotClass has the driver d.csi of StorageClass fast",
};
const snapshot: BackupMethodPlan = { method: "snapshot", className: "csi-snap", storageClass: "fast" };

describe("planBackupMethod", () => {
  const cases: Array<
    [string, BackupMethodChoice, boolean, SnapshotLookup, BackupMethodPlan | string, boolean]
  > = [
    // [name, method, target named, lookup answer, plan or error code, looked up]
    ["auto, a class: a snapshot", "auto", false, found, snapshot, true],
    [
      "auto, no class: an archive saying why",
      "auto",
      false,
      none,
      { method: "archive", snapshotSkipped: `NoSnapshotClass: ${none.message}` },
      true,
    ],
    ["auto with a target: an archive, without looking", "auto", true, found, { method: "archive" }, false],
    ["archive: an archive, without looking", "archive", false, found, { method: "archive" }, false],
    ["archive to a target", "archive", true, found, { method: "archive" }, false],
    ["snapshot, a class: a snapshot", "snapshot", false, found, snapshot, true],
    ["snapshot, no class: Conflict", "snapshot", false, none, "Conflict", true],
    ["snapshot to a target: Invalid", "snapshot", true, found, "Invalid", false],
  ];
  for (const [name, choice, targetNamed, answer, want, looks] of cases)
    it(name, async () => {
      let looked = false;
      const plan = planBackupMethod(choice, targetNamed, () => {
        looked = true;
        return Promise.resolve(answer);
      });
      if (typeof want === "string") {
        await assert.rejects(plan, (e: unknown) => {
          assert.ok(e instanceof ServiceError);
          assert.equal(e.code, want);
          if (want === "Invalid")
            assert.deepEqual(
              e.problems.map((p) => p.path),
              ["/method"],
            );
          if (want === "Conflict") assert.match(e.message, /NoSnapshotClass/);
          return true;
        });
      } else assert.deepEqual(await plan, want);
      assert.equal(looked, looks);
    });
});
