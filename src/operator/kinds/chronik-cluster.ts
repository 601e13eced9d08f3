import { latestTransition } from "../../engine/conditions.ts";
import {
  chronikClusterCrd,
  chronikClusterResourceType,
  type ChronikCluster,
  type ChronikClusterPhase,
  type ChronikClusterSpec,
} from "../../api/chronik-cluster.ts";
import type { Stack, StackCondition, StackPhase, StackStatus } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import { isAutoscaled } from "../../templates/chronik-cluster/build-node-set.ts";
import { chronikRoles, roleName, type ChronikRoleInfo } from "../../templates/chronik-cluster/roles.ts";
import { chronikCluster, chronikIgnoreRules } from "../../templates/chronik-cluster/template.ts";
import type { KindBinding } from "../kind-binding.ts";
import { kindCondition, typedKindAsStack, withoutNulls } from "./typed-stack.ts";

/** The finalizer the operator holds on every ChronikCluster until its children are gone. */
export const chronikClusterFinalizer = "chronik.stream/finalizer";

const phases: Record<StackPhase, ChronikClusterPhase> = {
  Pending: "Pending",
  Installing: "Creating",
  Ready: "Running",
  Upgrading: "Updating",
  Failed: "Failed",
  Deleting: "Deleting",
  // A ChronikCluster cannot be paused (its view is never paused); kept total for the type.
  Paused: "Pending",
};

/** The ChronikCluster phase for an engine phase: Installing → Creating, Ready → Running, Upgrading → Updating. */
export function chronikPhase(engine: StackPhase | undefined): ChronikClusterPhase {
  return engine === undefined ? "Pending" : phases[engine];
}

/** The nodes a role is expected to run: the spec's count, or the HPA's minimum under an HPA. */
function expectedNodes(spec: ChronikClusterSpec, role: ChronikRoleInfo): number {
  const count = spec[role.replicasField] ?? 0;
  if (count === 0) return 0;
  return isAutoscaled(spec, role.role) ? spec.autoscaling![role.replicasField]!.minReplicas : count;
}

/** The stable DNS names of a role's pods with its port, e.g. `c-controller-0.c-controller.ns.svc.cluster.local:9090`. */
export function chronikEndpoints(
  cluster: string,
  namespace: string,
  spec: ChronikClusterSpec,
  role: ChronikRoleInfo,
): string[] {
  const set = roleName(cluster, role.role);
  return Array.from(
    { length: expectedNodes(spec, role) },
    (_, i) => `${set}-${i}.${set}.${namespace}.svc.cluster.local:${role.port.port}`,
  );
}

const conditionTypes = {
  controller: "ControllersReady",
  ingest: "IngestNodesReady",
  search: "SearchNodesReady",
} as const;

/**
 * The ChronikCluster status for an engine status: the phase in Chronik's
 * words, endpoint lists per role, ready replicas (a role's expected nodes
 * once its component is healthy, else 0: the engine judges health per
 * object and keeps no pod counts), conditions ControllersReady,
 * IngestNodesReady, SearchNodesReady (True with reason NotRequested
 * without search nodes) and Ready, `lastUpdated` (the engine's latest
 * condition change, so an unchanged cluster costs no status write) and
 * `observedGeneration`. Pure.
 */
export function projectChronikStatus(engine: StackStatus, object: ChronikCluster): Record<string, unknown> {
  // Nulls read as absent here too: `autoscaling.controllers: null` is no autoscaler.
  const spec = withoutNulls(object.spec) as ChronikClusterSpec;
  const name = object.metadata.name;
  const namespace = object.metadata.namespace ?? "default";
  const lastUpdated = latestTransition(engine.conditions) ?? "";
  const previous = object.status?.conditions ?? [];
  const generation = engine.observedGeneration;
  const readyReplicas: Record<string, number> = {};
  const conditions: StackCondition[] = [];
  const out: Record<string, unknown> = { phase: chronikPhase(engine.phase) };
  for (const role of chronikRoles) {
    const component = engine.components?.find((c) => c.name === role.component);
    const expected = expectedNodes(spec, role);
    out[role.replicasField] = chronikEndpoints(name, namespace, spec, role);
    const tracked = engine.resources?.find((r) => r.kind === "StatefulSet" && r.component === role.component);
    readyReplicas[role.replicasField] = component?.ready ? expected : (tracked?.readyReplicas ?? 0);
    const [status, reason, message] =
      expected === 0
        ? (["True", "NotRequested", `no ${role.role} nodes requested`] as const)
        : component === undefined
          ? (["False", "NotStarted", "not rolled out yet"] as const)
          : component.ready
            ? (["True", "ComponentReady", component.message] as const)
            : (["False", "ComponentNotReady", component.message] as const);
    conditions.push(
      kindCondition(previous, conditionTypes[role.role], status, reason, message, lastUpdated, generation),
    );
  }
  const ready = engine.conditions?.find((c) => c.type === "Ready");
  conditions.push(
    kindCondition(
      previous,
      "Ready",
      ready?.status === "True" ? "True" : "False",
      ready?.reason ?? "NotStarted",
      ready?.message ?? "",
      lastUpdated,
      generation,
    ),
  );
  out["readyReplicas"] = readyReplicas;
  out["conditions"] = conditions;
  if (lastUpdated) out["lastUpdated"] = lastUpdated;
  if (generation !== undefined) out["observedGeneration"] = generation;
  return out;
}

/**
 * Rules a schema cannot express, as `/spec/…: message` problems: TLS needs
 * its Secret, and search autoscaling needs search nodes. An even number of
 * controllers is allowed (the upstream operator warns with an Event; a
 * validation hook cannot emit one, so it is documented, not reported).
 */
export function validateChronikCluster(object: ChronikCluster): string[] {
  const spec = withoutNulls(object.spec) as ChronikCluster["spec"];
  const problems: string[] = [];
  if (spec.security?.tlsEnabled === true && spec.security.tlsSecret === undefined) {
    problems.push("/spec/security/tlsSecret: is required when tlsEnabled is true");
  }
  if (spec.autoscaling?.searchNodes !== undefined && (spec.searchNodes ?? 0) === 0) {
    problems.push("/spec/autoscaling/searchNodes: search nodes are off (spec.searchNodes is absent or 0)");
  }
  return problems;
}

/** The ChronikCluster as the engine sees it: the `chronik-cluster` template with the spec as parameters. */
export function chronikClusterAsStack(object: ChronikCluster): Stack {
  const spec = withoutNulls(object.spec) as ChronikCluster["spec"];
  return typedKindAsStack(object, chronikCluster.name, chronikIgnoreRules(object.metadata.name, spec));
}

/**
 * `ChronikCluster` (`chronik.stream/v1alpha1`) bound to the Stack engine:
 * finalizer `chronik.stream/finalizer`, the `chronik-cluster` template, the
 * engine's status kept under `status.stackwarden` and projected into
 * Chronik's own status fields.
 */
export const chronikClusterBinding: KindBinding = {
  type: chronikClusterResourceType,
  finalizer: chronikClusterFinalizer,
  crd: chronikClusterCrd,
  asStack: (object: KubeObject) => chronikClusterAsStack(object as ChronikCluster),
  projectStatus: (engine, object) => projectChronikStatus(engine, object as ChronikCluster),
  validate: (object) => validateChronikCluster(object as ChronikCluster),
  warnings: (object) => chronikWarnings(object as ChronikCluster),
};

/**
 * What is allowed but unwise: an even number of controllers tolerates no
 * more failures than the odd number below it, and splits votes.
 */
export function chronikWarnings(cluster: ChronikCluster): string[] {
  const controllers = cluster.spec.controllers ?? 3;
  return controllers % 2 === 0
    ? [
        `spec.controllers is ${controllers}: an even number of controllers tolerates no more failures than ${controllers - 1} and can split votes; use an odd number`,
      ]
    : [];
}
