import type { DriftContest, DriftRecord, DriftStatus } from "../../api/stack.ts";
import { driftKey } from "./find-drift.ts";

/** How drift fights are told apart from one-off changes. */
export interface FightPolicy {
  /** Corrections of one object, against one other controller, within `windowMs` that make a fight. */
  readonly fightAfter: number;
  readonly windowMs: number;
  /** How long an object in a fight is left alone. */
  readonly backoffMs: number;
}

/** Four corrections in five minutes make a fight; the object is then left alone for five minutes. */
export const defaultFightPolicy: FightPolicy = { fightAfter: 4, windowMs: 5 * 60_000, backoffMs: 5 * 60_000 };

const empty: DriftStatus = { corrections: 0, fights: 0 };

/**
 * `drift` with the changes in `found` that it does not already hold added to `pending` and counted
 * in `detected`. Returns the new status and the records that are new (each change is counted, and
 * announced, once however many passes see it). Pure.
 */
export function recordDetected(
  drift: DriftStatus | undefined,
  found: readonly DriftRecord[],
): { drift: DriftStatus; added: DriftRecord[] } {
  const before = drift ?? empty;
  const known = new Set((before.pending ?? []).map(driftKey));
  const added = found.filter((r) => !known.has(driftKey(r)));
  if (added.length === 0) return { drift: before, added };
  return {
    drift: {
      ...before,
      detected: (before.detected ?? 0) + added.length,
      pending: [...(before.pending ?? []), ...added],
    },
    added,
  };
}

/** What one pass did about the pending changes, for {@link settleDrift}. */
export interface DriftOutcome {
  /** The object of a pending change now holds what we want again. */
  readonly restored: (record: DriftRecord) => boolean;
  /** The object is still one we want (a change to an object no longer wanted is dropped). */
  readonly wanted: (record: DriftRecord) => boolean;
  readonly now: number;
  readonly policy?: FightPolicy;
}

/**
 * Settles pending changes after a pass: those restored become corrections (counted, the last one
 * kept); a restored change by another controller (never a person's) counts toward a fight with
 * that controller, and the correction that reaches `fightAfter` starts a fight: the object is left
 * alone until `backoffUntil`. Contests with no recent correction and no running backoff are
 * forgotten. Returns the new status, the corrections made and the fights started. Pure.
 */
export function settleDrift(
  drift: DriftStatus | undefined,
  outcome: DriftOutcome,
): { drift: DriftStatus; corrected: DriftRecord[]; fights: DriftContest[] } {
  const policy = outcome.policy ?? defaultFightPolicy;
  const before = drift ?? empty;
  const pending = (before.pending ?? []).filter(outcome.wanted);
  const corrected = pending.filter(outcome.restored);
  const left = pending.filter((r) => !outcome.restored(r));
  const recent = (times: readonly string[]): string[] =>
    times.filter((t) => outcome.now - Date.parse(t) < policy.windowMs);
  let contested: DriftContest[] = (before.contested ?? []).map((c) => ({
    ...c,
    corrections: recent(c.corrections),
  }));
  const fights: DriftContest[] = [];
  for (const r of corrected.filter((x) => x.by === "Controller")) {
    const same = (c: DriftContest): boolean =>
      c.kind === r.kind && c.name === r.name && c.manager === r.manager;
    const entry = contested.find(same) ?? { kind: r.kind, name: r.name, manager: r.manager, corrections: [] };
    const times = [...entry.corrections, new Date(outcome.now).toISOString()];
    const next: DriftContest =
      times.length >= policy.fightAfter
        ? { ...entry, corrections: [], backoffUntil: new Date(outcome.now + policy.backoffMs).toISOString() }
        : { ...entry, corrections: times };
    if (next.backoffUntil !== entry.backoffUntil) fights.push(next);
    contested = [...contested.filter((c) => !same(c)), next];
  }
  contested = contested.filter(
    (c) =>
      c.corrections.length > 0 || (c.backoffUntil !== undefined && Date.parse(c.backoffUntil) > outcome.now),
  );
  const last = corrected[corrected.length - 1];
  const next: DriftStatus = {
    ...(before.detected !== undefined ? { detected: before.detected } : {}),
    corrections: before.corrections + corrected.length,
    fights: before.fights + fights.length,
    ...(last
      ? { lastCorrection: last }
      : before.lastCorrection
        ? { lastCorrection: before.lastCorrection }
        : {}),
    ...(left.length > 0 ? { pending: left } : {}),
    ...(contested.length > 0 ? { contested } : {}),
  };
  return { drift: next, corrected, fights };
}

/** The objects left alone because of a fight, with when that ends; empty when none. */
export function inFight(drift: DriftStatus | undefined, now: number): DriftContest[] {
  return (drift?.contested ?? []).filter(
    (c) => c.backoffUntil !== undefined && Date.parse(c.backoffUntil) > now,
  );
}
