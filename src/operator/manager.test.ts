import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/object.ts";
import { specChanged } from "./manager.ts";

const base: KubeObject = { metadata: { name: "a", generation: 1, labels: { x: "1" }, finalizers: ["f"] } };
const withMeta = (m: Partial<KubeObject["metadata"]>): KubeObject => ({
  metadata: { ...base.metadata, ...m },
});

describe("specChanged", () => {
  const cases: Array<[string, KubeObject, boolean]> = [
    ["a status-only update", { ...base, metadata: { ...base.metadata, resourceVersion: "9" } }, false],
    ["a new generation", withMeta({ generation: 2 }), true],
    ["a label", withMeta({ labels: { x: "2" } }), true],
    ["an annotation", withMeta({ annotations: { a: "b" } }), true],
    ["a finalizer removed", withMeta({ finalizers: [] }), true],
    ["deletion", withMeta({ deletionTimestamp: "2026-11-22T00:00:00Z" }), true],
  ];
  for (const [name, next, expected] of cases) it(name, () => assert.equal(specChanged(base, next), expected));
});
