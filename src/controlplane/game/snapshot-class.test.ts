import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeApiError, KubeNetworkError } from "../../kube/errors.ts";
import {
  chooseSnapshotClass,
  defaultSnapshotClassAnnotation,
  skipReasonOf,
  type SnapshotClassSummary,
  type SnapshotSkipReason,
} from "./snapshot-class.ts";

const cls = (name: string, driver: string, isDefault?: string): SnapshotClassSummary => ({
  metadata: {
    name,
    ...(isDefault !== undefined ? { annotations: { [defaultSnapshotClassAnnotation]: isDefault } } : {}),
  },
  driver,
});

describe("chooseSnapshotClass", () => {
  const cases: Array<[string, SnapshotClassSummary[], string | undefined]> = [
    ["no classes", [], undefined],
    ["none of the driver", [cls("other", "other.csi")], undefined],
    ["the only one of the driver", [cls("other", "other.csi"), cls("fast", "d.csi")], "fast"],
    ["the default among several", [cls("a", "d.csi"), cls("z", "d.csi", "true"), cls("m", "d.csi")], "z"],
    ["the first of several defaults", [cls("y", "d.csi", "true"), cls("x", "d.csi", "true")], "x"],
    ["a default of another driver does not count", [cls("b", "d.csi"), cls("a", "o.csi", "true")], "b"],
    ['default only when exactly "true"', [cls("b", "d.csi"), cls("c", "d.csi", "True")], "b"],
    ["else the alphabetically first", [cls("snap-b", "d.csi"), cls("snap-a", "d.csi")], "snap-a"],
    ["a class without a name is passed over", [{ driver: "d.csi" }, cls("n", "d.csi")], "n"],
    ["a class without a driver is passed over", [{ metadata: { name: "a" } }], undefined],
  ];
  for (const [name, classes, want] of cases)
    it(name, () => assert.equal(chooseSnapshotClass(classes, "d.csi"), want));
});

describe("skipReasonOf", () => {
  const api = (status: number): KubeApiError => new KubeApiError("GET", "/x", status, undefined);
  const cases: Array<[string, unknown, SnapshotSkipReason | undefined]> = [
    ["404: the given reason (no CRD, no claim, no class)", api(404), "NoSnapshotApi"],
    ["403: Forbidden", api(403), "Forbidden"],
    ["500: not a reason, thrown", api(500), undefined],
    ["401: not a reason, thrown", api(401), undefined],
    ["a network failure: thrown", new KubeNetworkError("GET", "/x", new Error("reset")), undefined],
    ["anything else: thrown", new Error("boom"), undefined],
  ];
  for (const [name, error, want] of cases)
    it(name, () => assert.equal(skipReasonOf(error, "NoSnapshotApi"), want));
});
