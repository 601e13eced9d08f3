import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object.ts";
import { componentLabel } from "../../resources/labels.ts";
import { keepsClaim } from "./teardown.ts";

const claim = (component?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "data-x-0", ...(component ? { labels: { [componentLabel]: component } } : {}) },
});

describe("keepsClaim", () => {
  const cases: Array<[string, KubeObject, readonly string[] | undefined, boolean, boolean]> = [
    ["a data component's claim is kept", claim("server"), ["server"], false, true],
    ["a data component's claim goes when volumes are deleted", claim("server"), ["server"], true, false],
    ["another component's claim is scratch and goes", claim("cache"), ["server"], false, false],
    ["a claim of no known component is kept", claim(), ["server"], false, true],
    ["with the template unknown, every claim is kept", claim("cache"), undefined, false, true],
  ];
  for (const [name, c, data, deleteVolumes, want] of cases) {
    it(name, () => assert.equal(keepsClaim(c, data, deleteVolumes), want));
  }
});
