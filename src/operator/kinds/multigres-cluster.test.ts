import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { loadAll } from "js-yaml";
import { validate } from "../../api/validate.ts";
import {
  multigresClusterCrd,
  MultigresClusterSpecSchema,
  type MultigresCluster,
} from "../../api/multigres-cluster.ts";
import type { StackStatus } from "../../api/stack.ts";
import { multigresCluster } from "../../templates/multigres-cluster/template.ts";
import {
  multigresClusterAsStack,
  projectMultigresClusterStatus,
  validateMultigresCluster,
} from "./multigres-cluster.ts";

const cluster = (spec: object, name = "c"): MultigresCluster => ({
  apiVersion: "multigres.com/v1alpha1",
  kind: "MultigresCluster",
  metadata: { name, namespace: "ns", generation: 2 },
  spec: {
    postgresPasswordSecretRef: { name: "pw", key: "password" },
    cells: [{ name: "a", zoneId: "z" }],
    ...spec,
  },
});

describe("validateMultigresCluster", () => {
  for (const [what, spec, problem] of [
    [
      "a missing template default",
      { templateDefaults: { cellTemplate: "std" } },
      '/spec/templateDefaults/cellTemplate: CellTemplate "std" does not exist',
    ],
    [
      "a cell template",
      { cells: [{ name: "a", zoneId: "z", cellTemplate: "std" }] },
      '/spec/cells/0/cellTemplate: CellTemplate "std" does not exist',
    ],
    [
      "a missing shard template",
      {
        databases: [
          {
            name: "postgres",
            default: true,
            tablegroups: [
              { name: "default", default: true, shards: [{ name: "0-inf", shardTemplate: "s" }] },
            ],
          },
        ],
      },
      '/spec/databases/0/tablegroups/0/shards/0/shardTemplate: ShardTemplate "s" does not exist',
    ],
    ["no cell", { cells: [] }, "/spec/cells: at least one cell"],
    [
      "a pool in an unknown cell",
      {
        databases: [
          {
            name: "postgres",
            default: true,
            tablegroups: [
              {
                name: "default",
                default: true,
                shards: [{ name: "0-inf", spec: { pools: { p: { cells: ["x"] } } } }],
              },
            ],
          },
        ],
      },
      "/spec/databases/0/tablegroups/0/shards/0/pools/p/cells: x is not one of spec.cells",
    ],
  ] as const) {
    it(`names the field for ${what}`, () => {
      const problems = validateMultigresCluster(cluster(spec));
      assert.ok(
        problems.some((p) => p.startsWith(problem)),
        problems.join("; "),
      );
    });
  }
  it("accepts a cluster with only cells", () => assert.deepEqual(validateMultigresCluster(cluster({})), []));
  it("checks the cells a template's pool names", () => {
    const lookup = (kind: string) =>
      kind === "ShardTemplate" ? { pools: { main: { cells: ["elsewhere"] } } } : undefined;
    assert.deepEqual(
      validateMultigresCluster(cluster({ templateDefaults: { shardTemplate: "t" } }), lookup),
      ["/spec/databases/0/tablegroups/0/shards/0/pools/main/cells: elsewhere is not one of spec.cells"],
    );
  });
  it("refuses a name over 25 characters", () =>
    assert.match(validateMultigresCluster(cluster({}, "x".repeat(26))).join(), /^\/metadata\/name/));
});

describe("projectMultigresClusterStatus", () => {
  const engine = (phase: StackStatus["phase"], ready: boolean): StackStatus =>
    ({
      phase,
      observedGeneration: 2,
      conditions: [
        {
          type: "Ready",
          status: ready ? "True" : "False",
          reason: ready ? "AllReady" : "Installing",
          message: "m",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
      components: ["global-topo", "multiadmin", "cells", "multiorch", "pools"].map((name) => ({
        name,
        ready,
        message: "",
      })),
      resources: [{ kind: "Deployment", name: "c-a-multigateway", component: "cells", readyReplicas: 0 }],
    }) as unknown as StackStatus;
  for (const [phase, ready, expected, available] of [
    ["Pending", false, "Initializing", "False"],
    ["Installing", false, "Progressing", "False"],
    ["Ready", true, "Healthy", "True"],
    ["Failed", false, "Degraded", "False"],
  ] as const) {
    it(`maps ${phase} to ${expected}, Available ${available}`, () => {
      const s = projectMultigresClusterStatus(engine(phase, ready), cluster({}));
      assert.equal(s["phase"], expected);
      assert.equal(s["observedGeneration"], 2);
      const conditions = s["conditions"] as Array<{ type: string; status: string }>;
      assert.equal(conditions.find((c) => c.type === "Available")?.status, available);
      assert.deepEqual(s["cells"], { a: { ready, gatewayReplicas: ready ? 1 : 0 } });
      assert.deepEqual(s["databases"], { postgres: { readyShards: ready ? 1 : 0, totalShards: 1 } });
    });
  }
});

describe("the MultigresCluster kind", () => {
  it("asks the engine to delete volumes only when pvcDeletionPolicy.whenDeleted is Delete", () => {
    assert.equal(multigresClusterAsStack(cluster({})).spec.deletionPolicy?.volumes, "Retain");
    assert.equal(
      multigresClusterAsStack(cluster({ pvcDeletionPolicy: { whenDeleted: "Delete" } })).spec.deletionPolicy
        ?.volumes,
      "Delete",
    );
  });

  it("serves mgc with upstream's printer columns and the name rule on the root", () => {
    const crd = multigresClusterCrd() as unknown as {
      spec: {
        names: { shortNames: string[] };
        versions: Array<{
          additionalPrinterColumns: Array<{ name: string }>;
          schema: { openAPIV3Schema: Record<string, unknown> };
        }>;
      };
    };
    assert.deepEqual(crd.spec.names.shortNames, ["mgc"]);
    const v = crd.spec.versions[0]!;
    assert.deepEqual(
      v.additionalPrinterColumns.map((c) => c.name),
      ["Available", "Age", "Phase", "Images"],
    );
    assert.match(JSON.stringify(v.schema.openAPIV3Schema["x-kubernetes-validations"]), /size\(\) <= 25/);
  });

  it("renders the production corpus manifest to uniquely named objects, the password by reference only", async () => {
    const text = await readFile(
      new URL("./corpus/multigres-cluster/v1alpha1/production.yaml", import.meta.url),
      "utf8",
    );
    const object = (loadAll(text) as MultigresCluster[]).at(-1)!;
    const params = validate(MultigresClusterSpecSchema, object.spec);
    assert.ok(params.ok, JSON.stringify(!params.ok && params.problems));
    const ctx = {
      stack: { name: "mgc-prod", namespace: "ns", uid: "u" },
      params: params.value,
      secretName: (n: string) => n,
    };
    const objects = multigresCluster.components.flatMap((c) => c.build(ctx));
    const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    assert.equal(new Set(keys).size, keys.length, keys.join());
    assert.equal(objects.filter((o) => o.kind === "StatefulSet").length, 2 + 3, keys.join());
    assert.equal(objects.filter((o) => o.kind === "Deployment").length, 1 + 3 + 2, keys.join());
    assert.doesNotMatch(JSON.stringify(objects), /change-me/);
    assert.deepEqual(multigresCluster.prerequisites(params.value), [
      { kind: "Secret", name: "mgc-prod-pw", field: "/postgresPasswordSecretRef/name" },
    ]);
  });
});
