import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { MultigresClusterSpec } from "../../api/multigres-cluster.ts";
import { childName, planCluster } from "./topology.ts";

const password = { postgresPasswordSecretRef: { name: "pw", key: "password" } };
const spec = (s: Partial<MultigresClusterSpec>): Partial<MultigresClusterSpec> => ({ ...password, ...s });

describe("childName", () => {
  for (const [parts, expected] of [
    [["c", "zone-a", "multigateway"], "c-zone-a-multigateway"],
    [
      ["minimal", "postgres", "default", "0-inf", "pool", "default", "zone-a"],
      "minimal-postgres-default-0-inf-pool-default-zone-a",
    ],
  ] as const) {
    it(`joins ${parts.join(",")}`, () => assert.equal(childName(...parts), expected));
  }
  it("shortens a name over 52 characters to 52 with a stable hash, and tells apart names that share a prefix", () => {
    const a = childName(
      "a-cluster-name-of-25-char",
      "postgres",
      "a-long-tablegroup",
      "0-inf",
      "pool",
      "main",
      "z1",
    );
    const b = childName(
      "a-cluster-name-of-25-char",
      "postgres",
      "a-long-tablegroup",
      "0-inf",
      "pool",
      "main",
      "z2",
    );
    assert.ok(a.length <= 52, a);
    assert.notEqual(a, b);
    assert.equal(
      a,
      childName("a-cluster-name-of-25-char", "postgres", "a-long-tablegroup", "0-inf", "pool", "main", "z1"),
    );
    assert.match(a, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe("planCluster", () => {
  it("fills upstream's system defaults for a cluster with only cells", () => {
    const p = planCluster(
      "m",
      "ns",
      spec({
        cells: [
          { name: "a", zoneId: "z" },
          { name: "b", zoneId: "y" },
        ],
      }),
    );
    assert.deepEqual(
      { name: p.globalTopo.etcd?.name, replicas: p.globalTopo.etcd?.replicas, address: p.globalTopo.address },
      { name: "m-global-topo", replicas: 3, address: "m-global-topo.ns.svc:2379" },
    );
    assert.equal(p.multiadmin.replicas, 1);
    assert.deepEqual(
      p.gateways.map((g) => [g.name, g.replicas]),
      [
        ["m-a-multigateway", 1],
        ["m-b-multigateway", 1],
      ],
    );
    assert.deepEqual(
      p.pools.map((x) => [x.name, x.replicas]),
      [
        ["m-postgres-default-0-inf-pool-default-a", 1],
        ["m-postgres-default-0-inf-pool-default-b", 1],
      ],
    );
    assert.deepEqual(
      p.orchs.map((o) => o.name),
      ["m-postgres-default-0-inf-multiorch-a", "m-postgres-default-0-inf-multiorch-b"],
    );
    assert.deepEqual(p.shards, ["postgres/default/0-inf"]);
  });

  const shard = (body: object): Partial<MultigresClusterSpec> =>
    spec({
      cells: [
        { name: "a", zoneId: "z" },
        { name: "b", zoneId: "y" },
      ],
      databases: [
        {
          name: "postgres",
          default: true,
          tablegroups: [{ name: "default", default: true, shards: [{ name: "0-inf", ...body }] }],
        },
      ],
    });
  for (const [what, body, pools, orchs] of [
    [
      "a pool in one cell, orch follows the pool",
      { spec: { pools: { main: { cells: ["b"], replicasPerCell: 3 } } } },
      [["b", 3]],
      ["b"],
    ],
    [
      "orch cells as written",
      { spec: { multiorch: { cells: ["a", "b"] }, pools: { main: { cells: ["a"] } } } },
      [["a", 1]],
      ["a", "b"],
    ],
    [
      "overrides add pools in every cell",
      { overrides: { pools: { x: { replicasPerCell: 2 } } } },
      [
        ["a", 2],
        ["b", 2],
      ],
      ["a", "b"],
    ],
  ] as const) {
    it(`resolves ${what}`, () => {
      const p = planCluster("m", "ns", shard(body));
      assert.deepEqual(
        p.pools.map((x) => [x.cell, x.replicas]),
        pools,
      );
      assert.deepEqual(
        p.orchs.map((o) => o.cell),
        orchs,
      );
    });
  }

  it("runs no global etcd for an external topology and points at its endpoints", () => {
    const p = planCluster(
      "m",
      "ns",
      spec({
        cells: [{ name: "a", zoneId: "z", spec: { localTopoServer: { etcd: { replicas: 1 } } } }],
        globalTopoServer: { external: { endpoints: ["http://etcd.db.svc:2379"], rootPath: "/mg" } },
      }),
    );
    assert.equal(p.globalTopo.etcd, undefined);
    assert.equal(p.globalTopo.address, "etcd.db.svc:2379");
    assert.equal(p.globalTopo.root, "/mg");
    assert.deepEqual(
      p.localTopos.map((l) => [l.name, l.replicas]),
      [["m-a-local-topo", 1]],
    );
  });

  it("takes a cell's gateway from its inline spec or its overrides", () => {
    const p = planCluster(
      "m",
      "ns",
      spec({
        cells: [
          { name: "a", zoneId: "z", spec: { multigateway: { replicas: 4 } } },
          { name: "b", zoneId: "y", overrides: { multigateway: { replicas: 3 } } },
        ],
      }),
    );
    assert.deepEqual(
      p.gateways.map((g) => g.replicas),
      [4, 3],
    );
  });
});
