import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { observabilityPlatformCrd } from "../../../api/observability-platform.ts";
import { parsePathList, schemaPaths, unservedPaths } from "./schema-paths.ts";
import { upstreamCoverage } from "./coverage.ts";
import { operatorCrds } from "../../install-crds.ts";

describe("schemaPaths", () => {
  it("lists object fields, array items with [], and stops at maps", () => {
    const schema = {
      properties: {
        a: { type: "object", properties: { b: { type: "string" } } },
        list: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
        labels: { type: "object", additionalProperties: { type: "string" } },
      },
    };
    assert.deepEqual(schemaPaths(schema), [
      "spec.a",
      "spec.a.b",
      "spec.list",
      "spec.list[].name",
      "spec.labels",
    ]);
  });

  it("counts what lies under a free-form object as served, and nothing else", () => {
    const spec = {
      properties: {
        affinity: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        tolerations: {
          type: "array",
          items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
        a: { type: "object", properties: { b: { type: "string" } } },
      },
    };
    assert.deepEqual(
      unservedPaths(
        ["spec.affinity.nodeAffinity", "spec.tolerations[].key", "spec.a.b", "spec.a.c", "spec.affinityX"],
        spec,
      ),
      ["spec.a.c", "spec.affinityX"],
    );
  });

  it("ObservabilityPlatform v1beta1 serves every field of gunj's v1beta1 CRD", async () => {
    const upstream = parsePathList(
      await readFile(new URL("./observability.io-v1beta1.paths", import.meta.url), "utf8"),
    );
    const versions = observabilityPlatformCrd().spec["versions"] as Array<{
      name: string;
      schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } };
    }>;
    for (const v of versions) {
      const ours = new Set(schemaPaths(v.schema.openAPIV3Schema.properties.spec));
      assert.deepEqual(
        upstream.filter((p) => !ours.has(p)),
        [],
        `${v.name} misses upstream fields`,
      );
    }
  });

  it("every served kind and version has 0 unserved upstream fields", async () => {
    const coverage = await upstreamCoverage(new URL("./", import.meta.url), operatorCrds());
    for (const c of coverage) {
      assert.ok(c.missing, `${c.group}/${c.version} ${c.kind ?? ""} is not served`);
      assert.deepEqual(c.missing, [], `${c.group}/${c.version} ${c.kind ?? ""}`);
    }
    assert.ok(coverage.length >= 7);
  });
});
