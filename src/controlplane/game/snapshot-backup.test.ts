import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { VolumeSnapshot } from "../../resources/volume-snapshot.ts";
import { restoreClaimSize, snapshotOutcome } from "./snapshot-backup.ts";

const snapshot = (status: VolumeSnapshot["status"]): VolumeSnapshot => ({
  apiVersion: "snapshot.storage.k8s.io/v1",
  kind: "VolumeSnapshot",
  metadata: { name: "s", namespace: "n" },
  spec: { source: { persistentVolumeClaimName: "data-mc-0" } },
  ...(status ? { status } : {}),
});

describe("snapshotOutcome", () => {
  const cases: Array<[string, VolumeSnapshot | undefined, number | string | undefined]> = [
    ["not there (yet)", undefined, undefined],
    ["no status yet", snapshot(undefined), undefined],
    ["being taken", snapshot({ readyToUse: false }), undefined],
    ["ready: its restoreSize in bytes", snapshot({ readyToUse: true, restoreSize: "1Gi" }), 1073741824],
    ["ready, a plain byte count", snapshot({ readyToUse: true, restoreSize: "20480" }), 20480],
    ["ready without a size: 0", snapshot({ readyToUse: true }), 0],
    [
      "an error fails it with the snapshot's message",
      snapshot({ readyToUse: false, error: { message: "the source claim is not bound" } }),
      "the VolumeSnapshot failed: the source claim is not bound",
    ],
    [
      "an empty error message is no failure",
      snapshot({ readyToUse: false, error: { message: "" } }),
      undefined,
    ],
  ];
  for (const [name, given, want] of cases)
    it(name, () => {
      const outcome = snapshotOutcome(given);
      if (typeof want === "string") {
        assert.ok(outcome instanceof Error);
        assert.equal(outcome.message, want);
      } else assert.equal(outcome, want);
    });
});

describe("restoreClaimSize", () => {
  const cases: Array<[string, string | undefined, string | undefined, string]> = [
    ["the world claim's size when larger", "263000", "1Gi", "1Gi"],
    ["the snapshot's restoreSize when larger", "2Gi", "1Gi", "2Gi"],
    ["no restoreSize: the world's", undefined, "5Gi", "5Gi"],
    ["no world size: the restoreSize", "300Mi", undefined, "300Mi"],
    ["an empty world, nothing known: 1Gi, never 0", "0", undefined, "1Gi"],
  ];
  for (const [name, restoreSize, worldSize, want] of cases)
    it(name, () => assert.equal(restoreClaimSize(restoreSize, worldSize), want));
});
