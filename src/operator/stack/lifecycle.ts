/**
 * The Stack lifecycle as one pure function: what the operator observed in,
 * the phase and the five conditions out. Phase handlers gather the
 * observation; this decides; `status` writes it. No I/O, no clock.
 *
 *   Pending → Installing → Ready → Upgrading → Ready
 *                 ↘ Failed ↙ (recovers by itself)        Deleting, Paused from anywhere
 */
export type StackPhase = "Pending" | "Installing" | "Ready" | "Upgrading" | "Failed" | "Deleting" | "Paused";

/** Condition reasons: a closed set of PascalCase words; messages are for humans. */
export type Reason =
  | "AsExpected"
  | "Installing"
  | "Upgrading"
  | "RollingBack"
  | "UpgradeRolledBack"
  | "AllComponentsReady"
  | "ComponentsNotReady"
  | "PrerequisiteMissing"
  | "InvalidSpec"
  | "ReconcileError"
  | "DriftFight"
  | "Deleting"
  | "Paused"
  | "Running";

export type ConditionType = "Ready" | "Progressing" | "Degraded" | "Available" | "Paused";

export interface ConditionDecision {
  readonly status: "True" | "False" | "Unknown";
  readonly reason: Reason;
  readonly message: string;
}

/** Everything the lifecycle depends on, gathered by the phase handlers. */
export interface Observation {
  readonly deleting: boolean;
  readonly paused: boolean;
  /** Field problems that make the spec invalid, as `path: message`. */
  readonly invalid: readonly string[];
  /** Prerequisites that do not exist yet, as `Kind/name (from /field)`. */
  readonly missing: readonly string[];
  /** The stack has been Ready before (a last known good spec exists). */
  readonly installedBefore: boolean;
  /** The spec asks for an upgrade-class change from the last known good spec. */
  readonly upgrading: boolean;
  /** A component missed its deadline during this upgrade: rolling back to the last known good spec. */
  readonly rollingBack?: string;
  /** The last upgrade failed and was rolled back; the stack runs the last known good spec. */
  readonly rolledBack?: string;
  readonly components: ReadonlyArray<{
    readonly name: string;
    readonly healthy: boolean;
    readonly message: string;
  }>;
  /** Consecutive failed reconciles, and from how many on the stack is Failed. */
  readonly failures: number;
  readonly failedAfter: number;
  readonly lastError?: string;
  /** A field keeps being changed back by someone else. */
  readonly driftFight?: string;
}

export interface Decision {
  readonly phase: StackPhase;
  readonly reason: Reason;
  readonly message: string;
  readonly conditions: Readonly<Record<ConditionType, ConditionDecision>>;
}

const c = (status: ConditionDecision["status"], reason: Reason, message: string): ConditionDecision => ({
  status,
  reason,
  message,
});

/** Decides the phase and conditions for an observation. */
export function decide(o: Observation): Decision {
  const ready = o.components.filter((x) => x.healthy).length;
  const total = o.components.length;
  const waiting = o.components.filter((x) => !x.healthy);
  const allHealthy = total > 0 && waiting.length === 0;
  const progress = `${ready}/${total} components ready`;
  const notReady = waiting.map((x) => `${x.name}: ${x.message}`).join("; ");
  const paused = o.paused
    ? c("True", "Paused", "spec.paused is true: no changes are made")
    : c("False", "Running", "");
  const available = allHealthy
    ? c("True", "AllComponentsReady", progress)
    : c("False", "ComponentsNotReady", notReady || progress);
  const degradedBy = (reason: Reason, message: string): ConditionDecision => c("True", reason, message);
  const notDegraded = o.driftFight
    ? degradedBy("DriftFight", o.driftFight)
    : o.rolledBack
      ? degradedBy("UpgradeRolledBack", o.rolledBack)
      : c("False", "AsExpected", "");

  const decision = (
    phase: StackPhase,
    reason: Reason,
    message: string,
    overrides: Partial<Record<ConditionType, ConditionDecision>>,
  ): Decision => ({
    phase,
    reason,
    message,
    conditions: {
      Ready: c("False", reason, message),
      Progressing: c("False", reason, message),
      Degraded: notDegraded,
      Available: available,
      Paused: paused,
      ...overrides,
    },
  });

  if (o.deleting) {
    return decision("Deleting", "Deleting", "deleting components in reverse order", {
      Progressing: c("True", "Deleting", "deleting components in reverse order"),
    });
  }
  if (o.paused) return decision("Paused", "Paused", "spec.paused is true: no changes are made", {});
  if (o.invalid.length > 0) {
    const message = `invalid spec: ${o.invalid.join("; ")}`;
    return decision("Failed", "InvalidSpec", message, { Degraded: degradedBy("InvalidSpec", message) });
  }
  if (o.failures >= o.failedAfter) {
    const message = `${o.failures} reconciles failed in a row; retrying: ${o.lastError ?? "unknown error"}`;
    return decision("Failed", "ReconcileError", message, { Degraded: degradedBy("ReconcileError", message) });
  }
  if (o.missing.length > 0) {
    const message = `waiting for ${o.missing.join(", ")}`;
    return decision("Pending", "PrerequisiteMissing", message, {
      Progressing: c("True", "PrerequisiteMissing", message),
    });
  }
  if (o.rollingBack) {
    const message = `rolling back to the last known good spec: ${o.rollingBack}`;
    return decision("Upgrading", "RollingBack", message, {
      Progressing: c("True", "RollingBack", message),
      Degraded: degradedBy("RollingBack", message),
    });
  }
  if (allHealthy) {
    return decision("Ready", "AllComponentsReady", progress, {
      Ready: c("True", "AllComponentsReady", progress),
      Progressing: c("False", "AllComponentsReady", progress),
    });
  }
  if (o.upgrading && o.installedBefore) {
    const message = `upgrading: ${progress}${notReady ? `; waiting for ${notReady}` : ""}`;
    return decision("Upgrading", "Upgrading", message, { Progressing: c("True", "Upgrading", message) });
  }
  const message = `installing: ${progress}${notReady ? `; waiting for ${notReady}` : ""}`;
  return decision("Installing", "Installing", message, { Progressing: c("True", "Installing", message) });
}
