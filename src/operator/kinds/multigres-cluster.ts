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
import {
  resolveTemplates,
  type LookupTemplate,
  type ResolvedTemplates,
  type TemplateKind,
} from "../../templates/multigres-cluster/resolve-templates.ts";
import {
  cellTemplateCrd,
  cellTemplateType,
  coreTemplateCrd,
  coreTemplateType,
  shardTemplateCrd,
  shardTemplateType,
} from "../../api/multigres-templates.ts";
import type { ResourceType } from "../../api/resource-type.ts";
import type { KindBinding, ReadReference } from "../kind-binding.ts";

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

/** Finds no template: what a binding not yet bound to the operator's caches reads. */
const noTemplates: LookupTemplate = () => undefined;

/** The cluster's spec with its templates applied from `lookup` (see {@link resolveTemplates}). */
export function resolveCluster(
  object: MultigresCluster,
  lookup: LookupTemplate = noTemplates,
): ResolvedTemplates {
  return resolveTemplates(object.spec ?? {}, lookup);
}

/**
 * The MultigresCluster as the engine sees it: the `multigres-cluster` template with the spec as
 * parameters, its templates applied from `lookup`.
 */
export function multigresClusterAsStack(
  object: MultigresCluster,
  lookup: LookupTemplate = noTemplates,
): Stack {
  const { status, ...rest } = object;
  const view: Stack = {
    ...rest,
    spec: {
      template: multigresCluster.name,
      params: resolveCluster(object, lookup).spec,
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
  lookup: LookupTemplate = noTemplates,
): Record<string, unknown> {
  const spec = resolveCluster(object, lookup).spec;
  const plan = planCluster(object.metadata.name, object.metadata.namespace ?? "default", spec);
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
 * every template the cluster names exists in its namespace, every cell a pool or multiorch names
 * (inline or from a template) is one of `spec.cells`, and at least one cell exists. The name limit
 * is also a CEL rule; it is checked again for objects stored before it.
 */
export function validateMultigresCluster(
  object: MultigresCluster,
  lookup: LookupTemplate = noTemplates,
): string[] {
  const resolved = resolveCluster(object, lookup);
  const problems: string[] = [...resolved.problems];
  const spec = resolved.spec;
  if (object.metadata.name.length > maxMultigresClusterNameLength)
    problems.push(`/metadata/name: must be at most ${maxMultigresClusterNameLength} characters`);
  const cells = new Set((spec.cells ?? []).map((c) => c.name));
  if (cells.size === 0) problems.push("/spec/cells: at least one cell is required");
  (spec.databases ?? []).forEach((db, d) =>
    (db.tablegroups ?? []).forEach((tg, t) =>
      (tg.shards ?? []).forEach((shard, s) => {
        const at = `/spec/databases/${d}/tablegroups/${t}/shards/${s}`;
        for (const cell of shard.spec?.multiorch?.cells ?? [])
          if (!cells.has(cell)) problems.push(`${at}/multiorch/cells: ${cell} is not one of spec.cells`);
        for (const [pool, p] of Object.entries<PoolSpec>(shard.spec?.pools ?? {}))
          for (const cell of p.cells ?? [])
            if (!cells.has(cell))
              problems.push(`${at}/pools/${pool}/cells: ${cell} is not one of spec.cells`);
      }),
    ),
  );
  return problems;
}

const templateTypes: Record<TemplateKind, ResourceType> = {
  CoreTemplate: coreTemplateType,
  CellTemplate: cellTemplateType,
  ShardTemplate: shardTemplateType,
};

/**
 * The MultigresCluster binding reading its templates with `read` (none when not given): the
 * operator binds it to its caches of CoreTemplate, CellTemplate and ShardTemplate.
 */
export function bindMultigresCluster(read?: ReadReference): KindBinding<MultigresCluster> {
  const lookup = (object: KubeObject): LookupTemplate =>
    read
      ? (kind, name) => {
          const found = read(templateTypes[kind], object.metadata.namespace ?? "default", name);
          return found ? ((found as { spec?: Record<string, unknown> }).spec ?? {}) : undefined;
        }
      : noTemplates;
  return {
    type: multigresClusterResourceType,
    finalizer: multigresClusterFinalizer,
    crd: multigresClusterCrd,
    asStack: (object) => multigresClusterAsStack(object, lookup(object)),
    projectStatus: (engine, object) => projectMultigresClusterStatus(engine, object, lookup(object)),
    validate: (object) => validateMultigresCluster(object, lookup(object)),
    references: {
      types: Object.values(templateTypes),
      crds: () => [coreTemplateCrd(), cellTemplateCrd(), shardTemplateCrd()],
      bind: (r) => bindMultigresCluster(r),
      of: (object) => resolveCluster(object).references,
    },
  };
}

/**
 * `MultigresCluster` (`multigres.com/v1alpha1`) bound to the Stack engine: upstream's finalizer,
 * the `multigres-cluster` template, the engine's status under `status.stackwarden` and projected
 * into upstream's status fields.
 */
export const multigresClusterBinding = bindMultigresCluster() as KindBinding;
