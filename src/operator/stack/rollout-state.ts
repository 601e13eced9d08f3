import type { RolloutStatus } from "../../api/stack.ts";

/** What one pass of the reconcile saw, for {@link nextRolloutState}. */
export interface RolloutFacts {
  /** The stack's `metadata.generation`. */
  readonly generation: number;
  /** The generation of the last known good spec, when the stack has been Ready before. */
  readonly goodGeneration: number | undefined;
  /** The spec differs from the last known good one in an upgrade-class field (a version, an image). */
  readonly upgradeClass: boolean;
  /** Every component of what this pass rolled out is healthy. */
  readonly complete: boolean;
  /** An upgrading component missed its health deadline (see {@link upgradeDeadlinePassed}). */
  readonly deadlineMissed: boolean;
  /** Now, as an RFC 3339 time: the `startedAt` of an operation that starts in this pass. */
  readonly now: string;
}

/**
 * True when the stack should run its last known good spec rather than its own: the upgrade to this
 * very generation failed and is being (or was) rolled back. A new generation starts afresh.
 */
export function runsLastKnownGood(rollout: RolloutStatus | undefined, generation: number): boolean {
  return (
    (rollout?.state === "RollingBack" || rollout?.state === "RolledBack") &&
    rollout.fromGeneration === generation
  );
}

/**
 * The rollout state after a pass, from the state before it and what the pass saw. Pure; the one
 * place that decides it (nothing is read back from conditions). `startedAt` is set once when an
 * operation (install, upgrade, rollback) starts and kept while it lasts, so a pass that changes
 * nothing yields an equal value and costs no status write.
 *
 *   (none) → Installing → Stable → Upgrading → Stable
 *                                      ↘ RollingBack → RolledBack → (new generation) Upgrading …
 */
export function nextRolloutState(previous: RolloutStatus | undefined, facts: RolloutFacts): RolloutStatus {
  const { generation: gen, goodGeneration: good, now } = facts;
  const keep = (state: RolloutStatus["state"], from: number, to: number): RolloutStatus =>
    previous?.state === state && previous.fromGeneration === from && previous.toGeneration === to
      ? previous
      : { state, fromGeneration: from, toGeneration: to, startedAt: now };
  if (good !== undefined && previous !== undefined && runsLastKnownGood(previous, gen)) {
    // Once rolled back, the state stays RolledBack (health may come and go) until a new generation.
    return previous.state === "RollingBack" && facts.complete
      ? { ...previous, state: "RolledBack" }
      : previous;
  }
  if (good === undefined) {
    if (facts.complete) return keep("Stable", gen, gen);
    // An install keeps its start even when the spec changes before it completes.
    return previous?.state === "Installing" ? { ...previous, toGeneration: gen } : keep("Installing", 0, gen);
  }
  if (!facts.upgradeClass || good === gen) {
    // No operation under way: a change that is not an upgrade just rolls out.
    if (previous?.state !== "Stable") return keep("Stable", gen, gen);
    return previous.toGeneration === gen ? previous : { ...previous, fromGeneration: gen, toGeneration: gen };
  }
  const upgrading = previous?.state === "Upgrading" && previous.toGeneration === gen ? previous : undefined;
  if (facts.complete) return keep("Stable", gen, gen);
  if (upgrading && facts.deadlineMissed) {
    return { state: "RollingBack", fromGeneration: gen, toGeneration: good, startedAt: now };
  }
  return upgrading ?? { state: "Upgrading", fromGeneration: good, toGeneration: gen, startedAt: now };
}

/**
 * The first component that missed its health deadline during an upgrade started at `startedAt`, or
 * undefined. `deadlineMs` gives each component's deadline. Pure.
 */
export function upgradeDeadlinePassed(
  components: ReadonlyArray<{ readonly name: string; readonly ready: boolean }>,
  startedAt: string,
  now: number,
  deadlineMs: (component: string) => number,
): string | undefined {
  const started = Date.parse(startedAt);
  if (!Number.isFinite(started)) return undefined;
  return components.find((c) => !c.ready && now - started > deadlineMs(c.name))?.name;
}
