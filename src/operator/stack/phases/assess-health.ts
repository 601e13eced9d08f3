import type { RolloutStatus, Stack, StackOperation, TrackedResource } from "../../../api/stack.ts";
import { done, requeueAfter, type ReconcileResult } from "../../../engine/result.ts";
import { configHash } from "../../../kube/desired-state.ts";
import { health } from "../../../resources/health.ts";
import { withoutSecrets } from "../../../resources/secret-params.ts";
import { inFight, settleDrift } from "../drift-ledger.ts";
import type { Observation } from "../lifecycle.ts";
import { nextRolloutState, upgradeDeadlinePassed } from "../rollout-state.ts";
import type { Rollout } from "../rollout.ts";
import {
  componentsStatus,
  driftStatus,
  lastKnownGoodStatus,
  operationStatus,
  replicaCounts,
  rolloutStatus,
  trackedStatus,
} from "../stack-status.ts";
import { stop, type Phase, type StackDeps, type StackPass } from "../stack-pass.ts";

/** Annotation overriding every component's health deadline during upgrades, in seconds. */
export const healthDeadlineAnnotation = "stackwarden.dev/health-deadline-seconds";

/**
 * Assess health, the last deciding phase: the next rollout state (an upgrade past its deadline
 * turns into a rollback, run from the next pass), the drift put back (counted, and fights with
 * other controllers started), the last known good spec once the stack is Ready, and what the
 * lifecycle decision sees. Always stops: the pass ends with its status write.
 */
export const assessHealthPhase: Phase = async (deps, pass) => {
  const plan = pass.plan!;
  const result = pass.rollout!;
  const now = deps.now();
  const status = pass.stack.status;
  const good = status?.lastKnownGood;
  const next = nextRollout(deps, pass, result, now);
  const drift = settleDrift(status?.drift, {
    restored: (r) =>
      result.applied.some((a) => a.object.kind === r.kind && a.object.metadata.name === r.name),
    wanted: (r) => plan.desired.objects.some((o) => o.kind === r.kind && o.metadata.name === r.name),
    now,
  });
  const fights = inFight(drift.drift, now);
  const transactions = [
    componentsStatus(result.components),
    trackedStatus(tracked(deps, pass)),
    rolloutStatus(next),
    operationStatus(operationOf(next, result)),
    driftStatus(drift.drift),
  ];
  if (result.complete && !plan.runningGood && good?.generation !== pass.generation) {
    const { template, params } = plan.target;
    transactions.push(
      lastKnownGoodStatus({
        generation: pass.generation,
        templateVersion: template.version,
        params: withoutSecrets(params, template.secretParams ?? []),
        renderedHash: configHash(plan.rendered.objects),
      }),
    );
  }
  announce(pass, status?.rollout, next, drift);
  const observation: Partial<Observation> = {
    installedBefore: good !== undefined,
    upgrading: next.state === "Upgrading",
    ...(next.state === "RollingBack" ? { rollingBack: rollingBackMessage(next, result) } : {}),
    ...(next.state === "RolledBack"
      ? {
          rolledBack: `the upgrade to generation ${next.fromGeneration} failed and was rolled back; the stack runs generation ${next.toGeneration}`,
        }
      : {}),
    ...(fights.length > 0
      ? {
          driftFight: `${fights.map((f) => `${f.kind}/${f.name}`).join(", ")} keep being changed by ${fights.map((f) => f.manager).join(", ")}; left alone until ${fights
            .map((f) => f.backoffUntil)
            .sort()
            .pop()}`,
        }
      : {}),
    components: result.components.map((c) => ({ name: c.name, healthy: c.ready, message: c.message })),
  };
  return Promise.resolve(
    stop(resultOf(status?.rollout, next, result, fights, now), observation, transactions),
  );
};

function nextRollout(deps: StackDeps, pass: StackPass, result: Rollout, now: number): RolloutStatus {
  const previous = pass.stack.status?.rollout;
  const plan = pass.plan!;
  const upgrading = previous?.state === "Upgrading" && previous.toGeneration === pass.generation;
  const late =
    upgrading &&
    upgradeDeadlinePassed(result.components, previous.startedAt, now, (c) =>
      deadlineMs(pass.stack, plan.target.template.components, c),
    ) !== undefined;
  return nextRolloutState(previous, {
    generation: pass.generation,
    goodGeneration: pass.stack.status?.lastKnownGood?.generation,
    upgradeClass: plan.upgradeClass,
    complete: result.complete,
    deadlineMissed: late,
    now: new Date(now).toISOString(),
  });
}

/** The Events of this pass's rollout and drift outcome, recorded once its status is written. */
function announce(
  pass: StackPass,
  previous: RolloutStatus | undefined,
  next: RolloutStatus,
  drift: ReturnType<typeof settleDrift>,
): void {
  if (next.state === "RollingBack" && previous?.state !== "RollingBack") {
    pass.events.push({
      type: "Warning",
      reason: "UpgradeFailed",
      action: "Upgrade",
      note: `generation ${next.fromGeneration} did not become healthy within its deadline; rolling back to generation ${next.toGeneration}`,
    });
  }
  if (previous?.state === "Upgrading" && next.state === "Stable") {
    pass.events.push({
      type: "Normal",
      reason: "Upgraded",
      action: "Upgrade",
      note: `upgraded to generation ${next.toGeneration}`,
    });
  }
  for (const r of drift.corrected) {
    const fields = r.fields.length > 0 ? ` (${r.fields.join(", ")})` : "";
    pass.events.push({
      type: "Normal",
      reason: "DriftCorrected",
      action: "Correct",
      note: `${r.kind}/${r.name} restored${fields}`,
    });
  }
  for (const f of drift.fights) {
    pass.events.push({
      type: "Warning",
      reason: "DriftFight",
      action: "Correct",
      note: `${f.kind}/${f.name} keeps being changed back by ${f.manager}; leaving it alone until ${f.backoffUntil}`,
    });
  }
}

function rollingBackMessage(next: RolloutStatus, result: Rollout): string {
  const waiting = result.components.filter((c) => !c.ready).map((c) => `${c.name}: ${c.message}`);
  return `the upgrade to generation ${next.fromGeneration} missed its health deadline; rolling back to generation ${next.toGeneration}${waiting.length > 0 ? ` (${waiting.join("; ")})` : ""}`;
}

function resultOf(
  previous: RolloutStatus | undefined,
  next: RolloutStatus,
  result: Rollout,
  fights: ReadonlyArray<{ backoffUntil?: string }>,
  now: number,
): ReconcileResult {
  // A rollback starts from the next pass, which renders the last known good spec.
  if (next.state === "RollingBack" && previous?.state !== "RollingBack") return requeueAfter(0);
  const until = fights.map((f) => Date.parse(f.backoffUntil ?? "")).filter(Number.isFinite);
  if (until.length > 0) return requeueAfter(Math.max(1000, Math.min(...until) - now));
  return result.complete ? done : requeueAfter(2000);
}

/** The operation under way, for `status.currentOperation`: an upgrade or a rollback, else none. */
function operationOf(next: RolloutStatus, result: Rollout): StackOperation | undefined {
  if (next.state !== "Upgrading" && next.state !== "RollingBack") return undefined;
  const waiting = result.components.find((c) => !c.ready);
  return {
    type: next.state === "Upgrading" ? "Upgrade" : "Rollback",
    startedAt: next.startedAt,
    progress: `${result.components.filter((c) => c.ready).length}/${result.components.length}`,
    ...(waiting ? { component: waiting.name } : {}),
    fromVersion: `generation ${next.fromGeneration}`,
    toVersion: `generation ${next.toGeneration}`,
  };
}

/** The desired children that exist, with their UIDs, components and health. */
function tracked(deps: StackDeps, pass: StackPass): TrackedResource[] {
  return pass.plan!.desired.components.flatMap((c) =>
    c.objects.flatMap((o) => {
      const live = deps.child(o.kind ?? "", pass.namespace, o.metadata.name);
      if (!live?.metadata.uid) return [];
      return [
        {
          apiVersion: o.apiVersion ?? live.apiVersion ?? "",
          kind: o.kind ?? "",
          name: o.metadata.name,
          namespace: pass.namespace,
          uid: live.metadata.uid,
          component: c.name,
          health: health(live).status,
          ...replicaCounts(live),
        },
      ];
    }),
  );
}

function deadlineMs(
  stack: Stack,
  components: ReadonlyArray<{ name: string; healthDeadlineSeconds: number }>,
  name: string,
): number {
  const override = Number(stack.metadata.annotations?.[healthDeadlineAnnotation]);
  if (Number.isFinite(override) && override > 0) return override * 1000;
  return (components.find((c) => c.name === name)?.healthDeadlineSeconds ?? 300) * 1000;
}
