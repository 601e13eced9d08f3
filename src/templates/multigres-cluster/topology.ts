import { createHash } from "node:crypto";
import type { MultigresClusterSpec } from "../../api/multigres-cluster.ts";
import type { PoolSpec, ShardConfig } from "../../api/multigres-cluster-spec.ts";

/** A container's or pod's Kubernetes settings as the owner wrote them (kept whole). */
export type Core = Record<string, unknown>;

/** The etcd members of a topology server the cluster runs. */
export interface EtcdPlan {
  readonly name: string;
  readonly replicas: number;
  readonly image: string;
  readonly size: string;
  readonly storageClass: string | undefined;
  readonly resources: Core | undefined;
  readonly rootPath: string;
}

/** One Deployment of a stateless component. */
export interface StatelessPlan {
  readonly name: string;
  readonly cell: string | undefined;
  readonly replicas: number;
  readonly resources: Core | undefined;
  readonly affinity: Core | undefined;
  readonly tolerations: readonly Core[] | undefined;
  readonly podLabels: Readonly<Record<string, string>> | undefined;
  readonly podAnnotations: Readonly<Record<string, string>> | undefined;
}

/** One pool in one cell: a StatefulSet of Postgres with its multipooler. */
export interface PoolPlan {
  readonly name: string;
  readonly database: string;
  readonly tableGroup: string;
  readonly shard: string;
  readonly pool: string;
  readonly cell: string;
  readonly spec: PoolSpec;
  readonly replicas: number;
}

/** Everything a MultigresCluster runs, resolved from its spec and upstream's system defaults. */
export interface ClusterPlan {
  readonly globalTopo: {
    readonly etcd: EtcdPlan | undefined;
    readonly address: string;
    readonly root: string;
  };
  readonly localTopos: readonly EtcdPlan[];
  readonly multiadmin: StatelessPlan;
  readonly gateways: readonly StatelessPlan[];
  readonly orchs: readonly (StatelessPlan & { readonly shardKey: string })[];
  readonly pools: readonly PoolPlan[];
  /** `database/tablegroup/shard` of every shard, in spec order. */
  readonly shards: readonly string[];
}

/** The etcd image when the spec names none (the one upstream's samples pin). */
export const defaultEtcdImage = "gcr.io/etcd-development/etcd:v3.6.7";

/**
 * A child's name: the parts joined by `-`; when that is longer than 52
 * characters (a StatefulSet's pods need room for their revision label), the
 * first 43 characters and 8 hex characters of its SHA-256. Pure.
 */
export function childName(...parts: readonly string[]): string {
  const joined = parts.join("-");
  if (joined.length <= 52) return joined;
  const hash = createHash("sha256").update(joined).digest("hex").slice(0, 8);
  return `${joined.slice(0, 43).replace(/-+$/, "")}-${hash}`;
}

const etcdPlan = (
  name: string,
  e: NonNullable<NonNullable<MultigresClusterSpec["globalTopoServer"]>["etcd"]>,
  root: string,
): EtcdPlan => ({
  name,
  replicas: e.replicas ?? 3,
  image: e.image ?? defaultEtcdImage,
  size: e.storage?.size ?? "1Gi",
  storageClass: e.storage?.class,
  resources: e.resources,
  rootPath: e.rootPath ?? root,
});

const stateless = (
  name: string,
  cell: string | undefined,
  s:
    | {
        replicas?: number;
        resources?: unknown;
        affinity?: unknown;
        podLabels?: unknown;
        podAnnotations?: unknown;
      }
    | undefined,
  fallbackReplicas: number,
  tolerations: readonly unknown[] | undefined,
): StatelessPlan => ({
  name,
  cell,
  replicas: s?.replicas ?? fallbackReplicas,
  resources: s?.resources as Core | undefined,
  affinity: s?.affinity as Core | undefined,
  tolerations: tolerations as readonly Core[] | undefined,
  podLabels: s?.podLabels as Record<string, string> | undefined,
  podAnnotations: s?.podAnnotations as Record<string, string> | undefined,
});

/** The shards the spec names, or upstream's default: database `postgres`, table group `default`, shard `0-inf`. */
function shardsOf(spec: Partial<MultigresClusterSpec>): { db: string; tg: string; shard: ShardConfig }[] {
  const databases = spec.databases ?? [{ name: "postgres", default: true }];
  return databases.flatMap((db) =>
    (db.tablegroups ?? [{ name: "default", default: true }]).flatMap((tg) =>
      (tg.shards ?? [{ name: "0-inf" }]).map((shard) => ({ db: db.name, tg: tg.name, shard })),
    ),
  );
}

/**
 * Resolves a cluster's spec the way upstream's webhook fills system defaults (no templates): a
 * managed global etcd of 3 unless `external`, one multiadmin, one multigateway per cell, a
 * `postgres`/`default`/`0-inf` shard with one `default` read-write pool in every cell
 * (`replicasPerCell` 1) when none is written, and one multiorch per shard in each of its cells
 * (its pools' cells when `multiorch.cells` is empty). Pure.
 */
export function planCluster(
  cluster: string,
  namespace: string,
  spec: Partial<MultigresClusterSpec>,
): ClusterPlan {
  const cells = (spec.cells ?? []).map((c) => c.name);
  const global = spec.globalTopoServer;
  const root = global?.external?.rootPath ?? global?.etcd?.rootPath ?? `/multigres/${cluster}/global`;
  const etcd = global?.external
    ? undefined
    : etcdPlan(childName(cluster, "global-topo"), global?.etcd ?? {}, root);
  const address = global?.external
    ? global.external.endpoints.map((e) => e.replace(/^https?:\/\//, "")).join(",")
    : `${etcd!.name}.${namespace}.svc:2379`;
  const localTopos = (spec.cells ?? []).flatMap((c) =>
    c.spec?.localTopoServer?.etcd
      ? [
          etcdPlan(
            childName(cluster, c.name, "local-topo"),
            c.spec.localTopoServer.etcd,
            `/multigres/${cluster}/${c.name}`,
          ),
        ]
      : [],
  );
  const admin = spec.multiadmin;
  const gateways = (spec.cells ?? []).map((c) =>
    stateless(
      childName(cluster, c.name, "multigateway"),
      c.name,
      { ...c.spec?.multigateway, ...c.overrides?.multigateway },
      1,
      (c.spec?.multigatewayPlacement ?? c.overrides?.multigatewayPlacement)?.tolerations,
    ),
  );
  const pools: PoolPlan[] = [];
  const orchs: (StatelessPlan & { shardKey: string })[] = [];
  const shards: string[] = [];
  for (const { db, tg, shard } of shardsOf(spec)) {
    const body = shard.spec ?? shard.overrides;
    const written = body?.pools ?? {};
    const poolSpecs: Record<string, PoolSpec> =
      Object.keys(written).length > 0 ? written : { default: { type: "readWrite", cells } };
    const shardCells = new Set<string>();
    for (const [pool, p] of Object.entries(poolSpecs)) {
      for (const cell of p.cells ?? cells) {
        shardCells.add(cell);
        const name = childName(cluster, db, tg, shard.name, "pool", pool, cell);
        pools.push({
          name,
          database: db,
          tableGroup: tg,
          shard: shard.name,
          pool,
          cell,
          spec: p,
          replicas: p.replicasPerCell ?? 1,
        });
      }
    }
    const orch = body?.multiorch;
    const orchCells = orch?.cells && orch.cells.length > 0 ? orch.cells : [...shardCells];
    for (const cell of orchCells) {
      const plan = stateless(
        childName(cluster, db, tg, shard.name, "multiorch", cell),
        cell,
        orch,
        1,
        orch?.placement?.tolerations,
      );
      orchs.push({ ...plan, shardKey: `${db}/${tg}/${shard.name}` });
    }
    shards.push(`${db}/${tg}/${shard.name}`);
  }
  return {
    globalTopo: { etcd, address, root },
    localTopos,
    multiadmin: stateless(
      childName(cluster, "multiadmin"),
      undefined,
      admin?.spec,
      1,
      admin?.placement?.tolerations,
    ),
    gateways,
    orchs,
    pools,
    shards,
  };
}
