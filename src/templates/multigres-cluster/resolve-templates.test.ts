import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { MultigresClusterSpec } from "../../api/multigres-cluster.ts";
import { deepMerge, resolveTemplates, type LookupTemplate, type TemplateKind } from "./resolve-templates.ts";

describe("deepMerge", () => {
  for (const [what, base, patch, want] of [
    ["objects key by key", { a: 1, b: { c: 2, d: 3 } }, { b: { d: 4 } }, { a: 1, b: { c: 2, d: 4 } }],
    ["lists replaced whole", { cells: ["a", "b"] }, { cells: ["c"] }, { cells: ["c"] }],
    ["a scalar over an object", { a: { b: 1 } }, { a: 2 }, { a: 2 }],
    ["an absent patch keeps the base", { a: 1 }, undefined, { a: 1 }],
    ["new keys added", {}, { p: { replicas: 2 } }, { p: { replicas: 2 } }],
  ] as const) {
    it(`merges ${what}`, () => assert.deepEqual(deepMerge(base, patch), want));
  }
  it("changes neither input", () => {
    const base = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    deepMerge(base, patch);
    assert.deepEqual([base, patch], [{ a: { b: 1 } }, { a: { c: 2 } }]);
  });
});

const templates: Record<string, Record<string, unknown>> = {
  "CoreTemplate/core": {
    globalTopoServer: { etcd: { replicas: 5 } },
    multiadmin: { replicas: 2 },
  },
  "CellTemplate/cell": { multigateway: { replicas: 2, resources: { limits: { cpu: "1" } } } },
  "ShardTemplate/shard": {
    multiorch: { replicas: 1 },
    pools: { main: { type: "readWrite", replicasPerCell: 3, storage: { size: "10Gi" } } },
  },
  "ShardTemplate/default": { pools: { fallback: { replicasPerCell: 1 } } },
};
const lookup: LookupTemplate = (kind: TemplateKind, name: string) => templates[`${kind}/${name}`];
const none: LookupTemplate = () => undefined;
const cells = [{ name: "a", zoneId: "z" }];
const shardOf = (spec: Partial<MultigresClusterSpec>) => spec.databases?.[0]?.tablegroups?.[0]?.shards?.[0];

describe("resolveTemplates", () => {
  for (const [what, spec, check] of [
    [
      "cluster defaults fill every level",
      { cells, templateDefaults: { coreTemplate: "core", cellTemplate: "cell", shardTemplate: "shard" } },
      (r: Partial<MultigresClusterSpec>) => {
        assert.deepEqual(r.globalTopoServer, { etcd: { replicas: 5 } });
        assert.deepEqual(r.multiadmin, { spec: { replicas: 2 } });
        assert.equal(r.cells?.[0]?.spec?.multigateway?.replicas, 2);
        assert.equal(shardOf(r)?.spec?.pools?.["main"]?.replicasPerCell, 3);
        assert.equal(shardOf(r)?.name, "0-inf");
      },
    ],
    [
      "overrides deep-merged over the template",
      {
        cells: [
          { name: "a", zoneId: "z", cellTemplate: "cell", overrides: { multigateway: { replicas: 5 } } },
        ],
        databases: [
          {
            name: "postgres",
            default: true,
            tablegroups: [
              {
                name: "default",
                default: true,
                shards: [
                  { name: "0-inf", shardTemplate: "shard", overrides: { pools: { main: { cells: ["a"] } } } },
                ],
              },
            ],
          },
        ],
      },
      (r: Partial<MultigresClusterSpec>) => {
        assert.deepEqual(r.cells?.[0], {
          name: "a",
          zoneId: "z",
          spec: { multigateway: { replicas: 5, resources: { limits: { cpu: "1" } } } },
        });
        assert.deepEqual(shardOf(r), {
          name: "0-inf",
          spec: {
            multiorch: { replicas: 1 },
            pools: {
              main: { type: "readWrite", replicasPerCell: 3, storage: { size: "10Gi" }, cells: ["a"] },
            },
          },
        });
      },
    ],
    [
      "an inline spec wins over the defaults",
      {
        cells: [{ name: "a", zoneId: "z", spec: { multigateway: { replicas: 7 } } }],
        templateDefaults: { cellTemplate: "cell" },
        globalTopoServer: { external: { endpoints: ["https://e:2379"] } },
      },
      (r: Partial<MultigresClusterSpec>) => {
        assert.deepEqual(r.cells?.[0]?.spec, { multigateway: { replicas: 7 } });
        assert.deepEqual(r.globalTopoServer, { external: { endpoints: ["https://e:2379"] } });
      },
    ],
    [
      "the namespace's default template when nothing is named",
      { cells },
      (r: Partial<MultigresClusterSpec>) => {
        assert.deepEqual(shardOf(r)?.spec, { pools: { fallback: { replicasPerCell: 1 } } });
        assert.equal(r.globalTopoServer, undefined);
        assert.deepEqual(r.cells, cells);
      },
    ],
    [
      "a component's own reference over the cluster default",
      {
        cells,
        templateDefaults: { coreTemplate: "missing" },
        globalTopoServer: { templateRef: "core", pvcDeletionPolicy: { whenDeleted: "Delete" } },
      },
      (r: Partial<MultigresClusterSpec>) =>
        assert.deepEqual(r.globalTopoServer, {
          etcd: { replicas: 5 },
          pvcDeletionPolicy: { whenDeleted: "Delete" },
        }),
    ],
  ] as const) {
    it(`applies ${what}`, () => check(resolveTemplates(spec as Partial<MultigresClusterSpec>, lookup).spec));
  }

  it("names the field of every template that does not exist, and none for a missing default", () => {
    const r = resolveTemplates(
      {
        cells: [{ name: "a", zoneId: "z", cellTemplate: "gone" }],
        templateDefaults: { shardTemplate: "gone" },
        multiadmin: { templateRef: "gone" },
      },
      none,
    );
    assert.deepEqual(r.problems, [
      '/spec/multiadmin/templateRef: CoreTemplate "gone" does not exist in the cluster\'s namespace',
      '/spec/cells/0/cellTemplate: CellTemplate "gone" does not exist in the cluster\'s namespace',
      '/spec/templateDefaults/shardTemplate: ShardTemplate "gone" does not exist in the cluster\'s namespace',
    ]);
  });

  it("lists every template it depends on, the implicit defaults too", () => {
    const r = resolveTemplates({ cells, templateDefaults: { shardTemplate: "shard" } }, lookup);
    assert.deepEqual(r.references, ["CellTemplate/default", "CoreTemplate/default", "ShardTemplate/shard"]);
  });

  it("changes nothing without templates but writes out the default shard", () => {
    const spec = { cells, postgresPasswordSecretRef: { name: "pw", key: "password" } };
    const r = resolveTemplates(spec, none);
    assert.deepEqual(r.spec, {
      ...spec,
      databases: [
        {
          name: "postgres",
          default: true,
          tablegroups: [{ name: "default", default: true, shards: [{ name: "0-inf" }] }],
        },
      ],
    });
    assert.deepEqual(r.problems, []);
  });
});
