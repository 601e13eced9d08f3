import { latestTransition, nextCondition } from "../../engine/conditions.ts";
import {
  multigresComponents,
  multigresCrd,
  multigresPhases,
  multigresResourceType,
  type Multigres,
  type MultigresComponent,
  type MultigresComponentStatus,
} from "../../api/multigres.ts";
import type { Stack, StackStatus } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import { maxMultigresNameLength, multigresNames } from "../../templates/multigres/names.ts";
import { multigres } from "../../templates/multigres/template.ts";
import type { IgnoreRule } from "../../api/stack.ts";
import type { KindBinding } from "../kind-binding.ts";

/** The finalizer the operator holds on every Multigres until its children are gone. */
export const multigresFinalizer = "multigres.com/finalizer";

type Autoscaling = { enabled?: boolean; minReplicas?: number; maxReplicas?: number } | undefined;

/** The workload of each component, its kind, replicas by default, and where its autoscaling is. */
const workloads = (
  m: Multigres,
): Record<MultigresComponent, { kind: string; name: string; replicas: number; autoscaling: Autoscaling }> => {
  const names = multigresNames(m.metadata.name);
  const s = m.spec ?? {};
  return {
    etcd: { kind: "StatefulSet", name: names.etcd, replicas: s.etcd?.replicas ?? 3, autoscaling: undefined },
    multigateway: {
      kind: "Deployment",
      name: names.multigateway,
      replicas: s.multigateway?.replicas ?? 2,
      autoscaling: s.multigateway?.autoscaling,
    },
    multiorch: {
      kind: "Deployment",
      name: names.multiorch,
      replicas: s.multiorch?.replicas ?? 1,
      autoscaling: s.multiorch?.autoscaling,
    },
    multipooler: {
      kind: "StatefulSet",
      name: names.multipooler,
      replicas: s.multipooler?.replicas ?? 2,
      autoscaling: s.multipooler?.autoscaling,
    },
  };
};

/**
 * A Multigres as the engine sees it: the `multigres` template with the spec
 * as its parameters, drift enforced, volumes retained on deletion, and the
 * replicas of every autoscaled workload left to its HPA (never set, never
 * reverted). The engine's status is `status.stackwarden`.
 */
export function multigresAsStack(object: Multigres): Stack {
  const ignore: IgnoreRule[] = Object.values(workloads(object))
    .filter((w) => w.autoscaling?.enabled === true)
    .map((w) => ({ kind: w.kind, name: w.name, jsonPointer: "/spec/replicas" }));
  const engine = object.status?.["stackwarden"] as StackStatus | undefined;
  return {
    apiVersion: object.apiVersion ?? `${multigresResourceType.group}/${multigresResourceType.version}`,
    kind: multigresResourceType.kind,
    metadata: object.metadata,
    spec: {
      template: multigres.name,
      params: structuredClone(object.spec ?? {}),
      paused: false,
      drift: { policy: "enforce", ignore },
      deletionPolicy: { volumes: "Retain" },
    },
    ...(engine !== undefined && { status: engine }),
  };
}

/** Ready replicas of a component's workload, as the engine last saw them (0 when unknown). */
function readyReplicasOf(engine: StackStatus, workload: { kind: string; name: string }): number {
  return (
    engine.resources?.find((r) => r.kind === workload.kind && r.name === workload.name)?.readyReplicas ?? 0
  );
}

/**
 * The Multigres status fields for an engine status: `phase` (the engine's
 * name when it is one of Pending, Installing, Ready, Failed, Upgrading; left
 * as it was while Deleting or Paused, which the conditions say),
 * `observedGeneration`, the engine's `conditions`, and per component
 * `{ready, replicas, readyReplicas, conditions: [Ready]}`. `replicas` is the
 * spec's (an HPA's minimum when autoscaled); `readyReplicas` equals it when
 * the component is ready, otherwise its workload's ready replicas as the
 * engine tracked them (0 when unknown). Pure: a component condition keeps its
 * previous transition time while its status holds, and otherwise takes the
 * latest engine condition time (the projection has no clock).
 */
export function projectMultigresStatus(engine: StackStatus, object: Multigres): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ((multigresPhases as readonly string[]).includes(engine.phase ?? "")) {
    out["phase"] = engine.phase;
  }
  if (engine.observedGeneration !== undefined) out["observedGeneration"] = engine.observedGeneration;
  if (engine.conditions !== undefined) out["conditions"] = structuredClone(engine.conditions);
  if (engine.components === undefined) return out;
  const latest = latestTransition(engine.conditions) ?? "";
  const previous = (object.status?.["components"] ?? {}) as Partial<
    Record<MultigresComponent, MultigresComponentStatus>
  >;
  const all = workloads(object);
  const components: Partial<Record<MultigresComponent, MultigresComponentStatus>> = {};
  for (const name of multigresComponents) {
    const state = engine.components.find((c) => c.name === name);
    if (!state) continue;
    const w = all[name];
    const replicas = w.autoscaling?.enabled === true ? (w.autoscaling.minReplicas ?? 1) : w.replicas;
    const status = state.ready ? "True" : "False";
    const condition = nextCondition(
      previous[name]?.conditions ?? [],
      {
        type: "Ready",
        status,
        reason: state.ready ? "ComponentReady" : "ComponentNotReady",
        message: state.message,
        ...(engine.observedGeneration !== undefined && { observedGeneration: engine.observedGeneration }),
      },
      latest,
    );
    components[name] = {
      ready: state.ready,
      replicas,
      readyReplicas: state.ready ? replicas : readyReplicasOf(engine, w),
      conditions: [condition],
    };
  }
  out["components"] = components;
  return out;
}

/**
 * Rules the CRD schema does not hold, as `/spec/...: message` problems: the
 * name is short enough for every child's name (at most 40 characters). The
 * odd etcd count and autoscaling bounds are CEL rules the API server
 * enforces; they are checked again so that a resource stored before those
 * rules (or with the CRD's validation bypassed) goes to Failed naming the
 * field rather than rendering a broken cluster.
 */
export function validateMultigres(object: Multigres): string[] {
  const problems: string[] = [];
  const name = object.metadata.name;
  if (name.length > maxMultigresNameLength) {
    problems.push(
      `/metadata/name: must be at most ${maxMultigresNameLength} characters (it has ${name.length}), so that every child's name is valid`,
    );
  }
  const replicas = object.spec?.etcd?.replicas;
  if (replicas !== undefined && replicas % 2 === 0) {
    problems.push(`/spec/etcd/replicas: must be odd (1, 3, 5 or 7), got ${replicas}`);
  }
  for (const component of ["multigateway", "multiorch", "multipooler"] as const) {
    const a = workloads(object)[component].autoscaling;
    if (a?.minReplicas !== undefined && a.maxReplicas !== undefined && a.minReplicas > a.maxReplicas) {
      problems.push(`/spec/${component}/autoscaling/minReplicas: must not be greater than maxReplicas`);
    }
    if (a?.enabled === true && a.maxReplicas === undefined) {
      problems.push(`/spec/${component}/autoscaling/maxReplicas: is required when autoscaling is enabled`);
    }
  }
  return problems;
}

/** The binding of `Multigres` (multigres.com/v1alpha1) to the Stack engine. */
export const multigresBinding: KindBinding = {
  type: multigresResourceType,
  finalizer: multigresFinalizer,
  crd: multigresCrd,
  asStack: (o: KubeObject) => multigresAsStack(o),
  projectStatus: (engine, o) => projectMultigresStatus(engine, o),
  validate: (o) => validateMultigres(o),
};
