import type { StatusTransaction } from "../../engine/status-transaction.ts";
import { setCondition } from "../../engine/conditions.ts";
import { type Condition } from "../../api/condition.ts";
import type {
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

/** Records the components' states, the ready count for the printer column, and the tracked objects. */
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
    const resources: TrackedResource[] = components.flatMap((c) =>
      c.objects
        .filter((o) => o.object.metadata.uid)
        .map((o) => ({
          apiVersion: o.object.apiVersion ?? "",
          kind: o.object.kind ?? "",
          name: o.object.metadata.name,
          ...(o.object.metadata.namespace ? { namespace: o.object.metadata.namespace } : {}),
          uid: o.object.metadata.uid ?? "",
          component: c.name,
          health: o.health.status,
          ...replicaCounts(o.object),
        })),
    );
    s.resources = resources;
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

/** Counts drift corrections and fights, and records the last correction. */
export function driftStatus(
  corrections: ReadonlyArray<{ time: string; kind: string; name: string; fields: string[]; manager: string }>,
  fights: number,
): StatusTransaction<StackStatus> {
  return (s) => {
    if (corrections.length === 0 && fights === 0) return;
    const before = s.drift ?? { corrections: 0, fights: 0 };
    const last = corrections[corrections.length - 1];
    s.drift = {
      corrections: before.corrections + corrections.length,
      fights: before.fights + fights,
      ...(last
        ? { lastCorrection: last }
        : before.lastCorrection
          ? { lastCorrection: before.lastCorrection }
          : {}),
    };
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
