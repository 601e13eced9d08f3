import { MultigresClusterSpecSchema, type MultigresClusterSpec } from "../../api/multigres-cluster.ts";
import { multigresDefaultImage } from "../../api/multigres.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext, Template } from "../template.ts";
import { planCluster, type ClusterPlan } from "./topology.ts";
import { buildEtcd, buildPool, buildStateless, service, workloadSelector } from "./workloads.ts";

type Ctx = RenderContext<MultigresClusterSpec>;
const plan = (ctx: Ctx): ClusterPlan => planCluster(ctx.stack.name, ctx.stack.namespace, ctx.params);
const http = (port: number, grpc: number): ReadonlyArray<readonly [string, number]> => [
  ["http", port],
  ["grpc", grpc],
];

/** The flags that point a Multigres process at the cluster's global topology. */
function topoFlags(p: ClusterPlan): string[] {
  return [
    `--topo-global-server-addresses=${p.globalTopo.address}`,
    `--topo-global-root=${p.globalTopo.root}`,
    "--topo-implementation=etcd2",
  ];
}

function globalTopo(ctx: Ctx): Manifest[] {
  const etcd = plan(ctx).globalTopo.etcd;
  return etcd ? buildEtcd(ctx.stack.name, ctx.stack.namespace, "global-topo", etcd, ctx.params) : [];
}

function multiadmin(ctx: Ctx): Manifest[] {
  const p = plan(ctx);
  const image = ctx.params.images?.multiadmin ?? multigresDefaultImage;
  const ports = http(15000, 15990);
  return [
    buildStateless(ctx.stack.name, "multiadmin", p.multiadmin, image, ports, topoFlags(p), ctx.params),
    service(p.multiadmin.name, workloadSelector(ctx.stack.name, "multiadmin", p.multiadmin.name), ports, {}),
  ];
}

function cells(ctx: Ctx): Manifest[] {
  const p = plan(ctx);
  const { name: stack, namespace } = ctx.stack;
  const image = ctx.params.images?.multigateway ?? multigresDefaultImage;
  const ports = [...http(15001, 15991), ["postgres", 15432] as const];
  const external = ctx.params.externalGateway;
  return [
    ...p.localTopos.flatMap((e) => buildEtcd(stack, namespace, "cells", e, ctx.params)),
    ...p.gateways.flatMap((g) => [
      buildStateless(
        stack,
        "multigateway",
        g,
        image,
        ports,
        [...topoFlags(p), `--cell=${g.cell}`],
        ctx.params,
      ),
      service(g.name, workloadSelector(stack, "multigateway", g.name), ports, {}),
    ]),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: `${stack}-multigateway`,
        ...(external?.enabled && external.annotations && { annotations: { ...external.annotations } }),
      },
      spec: {
        selector: { "app.kubernetes.io/instance": stack, "app.kubernetes.io/component": "multigateway" },
        ports: [{ name: "postgres", port: 5432, targetPort: "postgres", protocol: "TCP" }],
        ...(external?.enabled && external.externalIPs && { externalIPs: [...external.externalIPs] }),
      },
    },
  ];
}

function multiorch(ctx: Ctx): Manifest[] {
  const p = plan(ctx);
  const image = ctx.params.images?.multiorch ?? multigresDefaultImage;
  return p.orchs.map((o) =>
    buildStateless(
      ctx.stack.name,
      "multiorch",
      o,
      image,
      http(15300, 15370),
      [...topoFlags(p), `--cell=${o.cell}`],
      ctx.params,
    ),
  );
}

function pools(ctx: Ctx): Manifest[] {
  const p = plan(ctx);
  return p.pools.flatMap((pool) => buildPool(ctx.stack.name, pool, topoFlags(p), ctx.params));
}

/**
 * `multigres-cluster`: the template behind the `MultigresCluster` kind; its parameters are the
 * kind's spec. Five components applied together: the global topology (etcd, unless external),
 * multiadmin, the cells (a multigateway per cell, a cell-local etcd where asked, the global
 * multigateway Service), a multiorch per shard and cell, and a StatefulSet per pool and cell.
 * The superuser password Secret the spec names must exist first. Pool and etcd volumes hold data.
 */
export const multigresCluster: Template<MultigresClusterSpec> = {
  name: "multigres-cluster",
  version: "1.0.0",
  description: "MultigresCluster: cells, databases, table groups and shards of sharded Postgres.",
  params: MultigresClusterSpecSchema,
  guardrails: { immutable: [], adoptable: [] },
  components: [
    { name: "global-topo", dependsOn: [], healthDeadlineSeconds: 300, build: globalTopo },
    { name: "multiadmin", dependsOn: [], healthDeadlineSeconds: 300, build: multiadmin },
    { name: "cells", dependsOn: [], healthDeadlineSeconds: 300, build: cells },
    { name: "multiorch", dependsOn: [], healthDeadlineSeconds: 300, build: multiorch },
    { name: "pools", dependsOn: [], healthDeadlineSeconds: 600, build: pools },
  ],
  upgrade: { fields: ["/images"] },
  ignore: [],
  generatedSecrets: [],
  prerequisites: (params) => [
    { kind: "Secret", name: params.postgresPasswordSecretRef.name, field: "/postgresPasswordSecretRef/name" },
  ],
  data: { components: ["global-topo", "pools"] },
};
