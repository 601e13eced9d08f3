/** One out-of-band change waiting to be corrected. */
export interface PendingDrift {
  /** `Kind/name`. */
  readonly object: string;
  readonly kind: "modified" | "deleted";
  readonly manager: string;
  readonly fields: readonly string[];
  readonly seenAt: number;
}

/** What to do about an object after its drift was corrected. */
export interface CorrectionVerdict {
  /** The same object was corrected `fightAfter` times within `windowMs`: someone keeps changing it back. */
  readonly fight: boolean;
  readonly corrections: number;
}

/**
 * Remembers, per stack, the drift seen on the watch until the next reconcile
 * corrects it, and tells a fight with another controller from a one-off edit:
 * an object corrected `fightAfter` times within `windowMs` is in a fight, and
 * is left alone for `backoffMs` (the stack reports Degraded / DriftFight)
 * instead of being reverted in a hot loop. Pure apart from the injected clock.
 */
export class DriftTracker {
  readonly #pending = new Map<string, PendingDrift[]>();
  readonly #corrections = new Map<string, number[]>();
  readonly #backoffUntil = new Map<string, number>();
  readonly #now: () => number;
  readonly #fightAfter: number;
  readonly #windowMs: number;
  readonly #backoffMs: number;

  constructor({
    now = Date.now,
    fightAfter = 4,
    windowMs = 5 * 60_000,
    backoffMs = 5 * 60_000,
  }: { now?: () => number; fightAfter?: number; windowMs?: number; backoffMs?: number } = {}) {
    this.#now = now;
    this.#fightAfter = fightAfter;
    this.#windowMs = windowMs;
    this.#backoffMs = backoffMs;
  }

  /** Records drift on an object of the stack `stackKey`. */
  note(stackKey: string, drift: Omit<PendingDrift, "seenAt">): void {
    const list = this.#pending.get(stackKey) ?? [];
    list.push({ ...drift, seenAt: this.#now() });
    this.#pending.set(stackKey, list);
  }

  /** The drift recorded for a stack and not yet corrected, and forgets it. */
  take(stackKey: string): PendingDrift[] {
    const list = this.#pending.get(stackKey) ?? [];
    this.#pending.delete(stackKey);
    return list;
  }

  /** Records that the object was put back; says whether this is now a fight. */
  corrected(stackKey: string, object: string): CorrectionVerdict {
    const key = `${stackKey}|${object}`;
    const now = this.#now();
    const recent = (this.#corrections.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    recent.push(now);
    this.#corrections.set(key, recent);
    const fight = recent.length >= this.#fightAfter;
    if (fight) this.#backoffUntil.set(key, now + this.#backoffMs);
    return { fight, corrections: recent.length };
  }

  /** True while an object in a fight is left alone. */
  inBackoff(stackKey: string, object: string): boolean {
    const until = this.#backoffUntil.get(`${stackKey}|${object}`);
    return until !== undefined && this.#now() < until;
  }

  /** The objects of a stack currently left alone, with when that ends. */
  fights(stackKey: string): Array<{ object: string; until: number }> {
    const now = this.#now();
    return [...this.#backoffUntil.entries()]
      .filter(([k, until]) => k.startsWith(`${stackKey}|`) && until > now)
      .map(([k, until]) => ({ object: k.slice(stackKey.length + 1), until }));
  }

  /** Forgets a deleted stack. */
  forget(stackKey: string): void {
    this.#pending.delete(stackKey);
    for (const map of [this.#corrections, this.#backoffUntil]) {
      for (const k of map.keys()) if (k.startsWith(`${stackKey}|`)) map.delete(k);
    }
  }
}
