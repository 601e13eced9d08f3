import type { StatusTransaction } from "../../engine/status-transaction.ts";
import { setCondition } from "../../engine/conditions.ts";
import { type Condition } from "../../api/condition.ts";
import type {
  DriftStatus,
  RolloutStatus,
  LastKnownGood,
  StackFailure,
  StackOperation,
  StackStatus,
  TrackedResource,
} from "../../api/stack.ts";
import type { ConditionType, Decision } from "./lifecycle.ts";
import type { ComponentState } from "./rollout.ts";
import type { KubeObject } from "../../api/object.ts";

const conditionTypes: readonly ConditionType[] = ["Ready", "Progressing", "Degraded", "Available", "Paused"];

/** Sets the phase and the five conditions of a decision, for `generation`. */
export function decisionStatus(
  decision: Decision,
  generation: number,
  now: string,
): StatusTransaction<StackStatus> {
  return (s) => {
    s.phase = decision.phase;
    s.observedGeneration = generation;
    let conditions = (s.conditions ?? []) as Condition[];
    for (const type of conditionTypes) {
      const c = decision.conditions[type];
      conditions = setCondition(
        conditions,
        { type, status: c.status, reason: c.reason, message: c.message, observedGeneration: generation },
        now,
      );
    }
    s.conditions = conditions;
  };
}

/** Records the components' states and the ready count for the printer column. */
export function componentsStatus(components: readonly ComponentState[]): StatusTransaction<StackStatus> {
  return (s) => {
    const ready = components.filter((c) => c.ready).length;
    s.components = components.map((c) => ({
      name: c.name,
      phase: c.phase,
      ready: c.ready,
      message: c.message,
      progress: `${c.objects.filter((o) => o.health.status === "Healthy").length}/${c.objects.length}`,
    }));
    s.readyComponents = ready;
    s.totalComponents = components.length;
    s.ready = `${ready}/${components.length}`;
  };
}

/** Records the children the stack tracks, with their UIDs: what a later pass finds deletions against. */
export function trackedStatus(resources: readonly TrackedResource[]): StatusTransaction<StackStatus> {
  return (s) => {
    s.resources = [...resources];
  };
}

/** Drops the children with these UIDs from `status.resources` (before they are pruned). */
export function untrackStatus(uids: ReadonlySet<string>): StatusTransaction<StackStatus> {
  return (s) => {
    if (s.resources) s.resources = s.resources.filter((r) => !uids.has(r.uid));
  };
}

/** Sets the rollout state. */
export function rolloutStatus(rollout: RolloutStatus): StatusTransaction<StackStatus> {
  return (s) => {
    s.rollout = rollout;
  };
}

/** Sets the drift record; leaves a stack that never drifted without one. */
export function driftStatus(drift: DriftStatus): StatusTransaction<StackStatus> {
  return (s) => {
    if (
      s.drift === undefined &&
      drift.corrections === 0 &&
      drift.fights === 0 &&
      !drift.pending &&
      !drift.contested
    )
      return;
    s.drift = drift;
  };
}

/** Sets or clears the operation under way. */
export function operationStatus(operation: StackOperation | undefined): StatusTransaction<StackStatus> {
  return (s) => {
    if (operation) s.currentOperation = operation;
    else delete s.currentOperation;
  };
}

/** Records the snapshot a later upgrade rolls back to. */
export function lastKnownGoodStatus(good: LastKnownGood): StatusTransaction<StackStatus> {
  return (s) => {
    s.lastKnownGood = good;
  };
}

/** Records a failed reconcile with its retry count. */
export function failureStatus(failure: StackFailure): StatusTransaction<StackStatus> {
  return (s) => {
    s.lastFailure = failure;
  };
}

/** Lists the generated Secrets (names only: their values are never shown). */
export function generatedSecretsStatus(names: readonly string[]): StatusTransaction<StackStatus> {
  return (s) => {
    if (names.length > 0) s.generatedSecrets = [...names];
  };
}

/** A workload's desired and ready replicas, read from the object (nothing for other kinds). */
export function replicaCounts(o: KubeObject): { replicas?: number; readyReplicas?: number } {
  if (!["Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"].includes(o.kind ?? "")) return {};
  const { spec, status } = o as KubeObject & {
    spec?: { replicas?: number };
    status?: { readyReplicas?: number; numberReady?: number; desiredNumberScheduled?: number };
  };
  const replicas = o.kind === "DaemonSet" ? status?.desiredNumberScheduled : (spec?.replicas ?? 1);
  const ready = o.kind === "DaemonSet" ? status?.numberReady : status?.readyReplicas;
  return { ...(replicas !== undefined ? { replicas } : {}), readyReplicas: ready ?? 0 };
}
