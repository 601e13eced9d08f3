import { latestTransition, nextCondition } from "../../engine/conditions.ts";
import {
  maxMultigresClusterNameLength,
  multigresClusterCrd,
  multigresClusterResourceType,
  type MultigresCluster,
} from "../../api/multigres-cluster.ts";
import type { Stack, StackCondition, StackPhase, StackStatus } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import type { PoolSpec } from "../../api/multigres-cluster-spec.ts";
import { planCluster } from "../../templates/multigres-cluster/topology.ts";
import { multigresCluster } from "../../templates/multigres-cluster/template.ts";
import type { KindBinding } from "../kind-binding.ts";

/** The finalizer upstream's operator holds on every MultigresCluster; Stackwarden holds the same. */
export const multigresClusterFinalizer = "multigres.com/cluster-cleanup";

const phases: Record<StackPhase, string> = {
  Pending: "Initializing",
  Installing: "Progressing",
  Upgrading: "Progressing",
  Ready: "Healthy",
  Failed: "Degraded",
  Deleting: "Unknown",
  Paused: "Unknown",
};

/** The MultigresCluster as the engine sees it: the `multigres-cluster` template with the spec as parameters. */
export function multigresClusterAsStack(object: MultigresCluster): Stack {
  const { status, ...rest } = object;
  const view: Stack = {
    ...rest,
    spec: {
      template: multigresCluster.name,
      params: structuredClone(object.spec ?? {}),
      paused: false,
      drift: { policy: "enforce", ignore: [] },
      deletionPolicy: {
        volumes: object.spec?.pvcDeletionPolicy?.whenDeleted === "Delete" ? "Delete" : "Retain",
      },
    },
  };
  const engine = status?.["stackwarden"] as StackStatus | undefined;
  return engine === undefined ? view : { ...view, status: engine };
}

const readyOf = (engine: StackStatus, kind: string, name: string): number =>
  engine.resources?.find((r) => r.kind === kind && r.name === name)?.readyReplicas ?? 0;

/**
 * Upstream's status for an engine status: `phase` (Pending → Initializing, Installing and
 * Upgrading → Progressing, Ready → Healthy, Failed → Degraded), `message`, `observedGeneration`,
 * the engine's conditions plus `Available` (True once every component is ready), `cells`
 * (`{ready, gatewayReplicas}` per cell: the gateway's ready replicas as the engine tracked them,
 * all of them once its component is ready) and `databases` (`{readyShards, totalShards}`: a shard
 * is ready when its pools and multiorchs are). Pure: conditions keep their transition time while
 * their status holds.
 */
export function projectMultigresClusterStatus(
  engine: StackStatus,
  object: MultigresCluster,
): Record<string, unknown> {
  const plan = planCluster(object.metadata.name, object.metadata.namespace ?? "default", object.spec ?? {});
  const componentReady = (name: string): boolean =>
    engine.components?.find((c) => c.name === name)?.ready ?? false;
  const cellsReady = componentReady("cells");
  const cells: Record<string, { ready: boolean; gatewayReplicas: number }> = {};
  for (const g of plan.gateways) {
    const ready = cellsReady ? g.replicas : readyOf(engine, "Deployment", g.name);
    cells[g.cell!] = { ready: ready >= g.replicas, gatewayReplicas: ready };
  }
  const databases: Record<string, { readyShards: number; totalShards: number }> = {};
  for (const key of plan.shards) {
    const db = key.split("/")[0]!;
    const shardReady =
      (componentReady("pools") ||
        plan.pools
          .filter((p) => `${p.database}/${p.tableGroup}/${p.shard}` === key)
          .every((p) => readyOf(engine, "StatefulSet", p.name) >= p.replicas)) &&
      (componentReady("multiorch") ||
        plan.orchs
          .filter((o) => o.shardKey === key)
          .every((o) => readyOf(engine, "Deployment", o.name) >= o.replicas));
    const entry = databases[db] ?? { readyShards: 0, totalShards: 0 };
    databases[db] = {
      readyShards: entry.readyShards + (shardReady ? 1 : 0),
      totalShards: entry.totalShards + 1,
    };
  }
  const latest = latestTransition(engine.conditions) ?? "";
  const ready = engine.conditions?.find((c) => c.type === "Ready");
  const previous = (object.status?.["conditions"] ?? []) as StackCondition[];
  const available = nextCondition(
    previous,
    {
      type: "Available",
      status: ready?.status === "True" ? "True" : "False",
      reason: ready?.status === "True" ? "AllComponentsReady" : (ready?.reason ?? "NotStarted"),
      message: ready?.message ?? "",
      ...(engine.observedGeneration !== undefined && { observedGeneration: engine.observedGeneration }),
    },
    latest,
  );
  const out: Record<string, unknown> = {
    phase: engine.phase === undefined ? "Initializing" : phases[engine.phase],
    conditions: [...(engine.conditions ?? []).filter((c) => c.type !== "Available"), available],
    cells,
    databases,
  };
  // Always written, so a message from an earlier phase never outlives it (the projection is merged).
  out["message"] = ready?.message ?? "";
  if (engine.observedGeneration !== undefined) out["observedGeneration"] = engine.observedGeneration;
  return out;
}

/**
 * Rules upstream enforces in its webhook rather than its schema, as `/spec/…: message` problems:
 * every cell a pool or multiorch names is one of `spec.cells`, at least one cell exists, and no
 * template is referenced (CoreTemplate, CellTemplate and ShardTemplate are not served by
 * Stackwarden: write the configuration inline or as overrides). The name limit is also a CEL
 * rule; it is checked again for objects stored before it.
 */
export function validateMultigresCluster(object: MultigresCluster): string[] {
  const problems: string[] = [];
  const spec = object.spec ?? {};
  if (object.metadata.name.length > maxMultigresClusterNameLength)
    problems.push(`/metadata/name: must be at most ${maxMultigresClusterNameLength} characters`);
  const cells = new Set((spec.cells ?? []).map((c) => c.name));
  if (cells.size === 0) problems.push("/spec/cells: at least one cell is required");
  const refs: Array<[string, string | undefined]> = [
    ["/spec/templateDefaults/coreTemplate", spec.templateDefaults?.coreTemplate],
    ["/spec/templateDefaults/cellTemplate", spec.templateDefaults?.cellTemplate],
    ["/spec/templateDefaults/shardTemplate", spec.templateDefaults?.shardTemplate],
    ["/spec/globalTopoServer/templateRef", spec.globalTopoServer?.templateRef],
    ["/spec/multiadmin/templateRef", spec.multiadmin?.templateRef],
    ["/spec/multiadminWeb/templateRef", spec.multiadminWeb?.templateRef],
    ...(spec.cells ?? []).map((c, i): [string, string | undefined] => [
      `/spec/cells/${i}/cellTemplate`,
      c.cellTemplate,
    ]),
  ];
  for (const [path, ref] of refs) {
    if (ref !== undefined)
      problems.push(
        `${path}: templates are not served by Stackwarden yet (${ref}); write the configuration inline`,
      );
  }
  (spec.databases ?? []).forEach((db, d) =>
    (db.tablegroups ?? []).forEach((tg, t) =>
      (tg.shards ?? []).forEach((shard, s) => {
        const at = `/spec/databases/${d}/tablegroups/${t}/shards/${s}`;
        if (shard.shardTemplate !== undefined)
          problems.push(
            `${at}/shardTemplate: templates are not served by Stackwarden yet (${shard.shardTemplate}); write the configuration inline`,
          );
        const body = shard.spec ?? shard.overrides;
        for (const cell of body?.multiorch?.cells ?? [])
          if (!cells.has(cell)) problems.push(`${at}/multiorch/cells: ${cell} is not one of spec.cells`);
        for (const [pool, p] of Object.entries<PoolSpec>(body?.pools ?? {}))
          for (const cell of p.cells ?? [])
            if (!cells.has(cell))
              problems.push(`${at}/pools/${pool}/cells: ${cell} is not one of spec.cells`);
      }),
    ),
  );
  return problems;
}

/**
 * `MultigresCluster` (`multigres.com/v1alpha1`) bound to the Stack engine: upstream's finalizer,
 * the `multigres-cluster` template, the engine's status under `status.stackwarden` and projected
 * into upstream's status fields.
 */
export const multigresClusterBinding: KindBinding = {
  type: multigresClusterResourceType,
  finalizer: multigresClusterFinalizer,
  crd: multigresClusterCrd,
  asStack: (object: KubeObject) => multigresClusterAsStack(object),
  projectStatus: (engine, object) => projectMultigresClusterStatus(engine, object),
  validate: (object) => validateMultigresCluster(object),
};
