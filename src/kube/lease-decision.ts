import { parseMicroTime, toMicroTime } from "./micro-time.ts";

/** The leader-election record in a coordination.k8s.io/v1 Lease's `spec`. */
export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  /** MicroTime. */
  readonly acquireTime?: string;
  /** MicroTime. */
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

/**
 * What a candidate does with a Lease:
 * - `create`: there is none; create it holding `spec`.
 * - `acquire`: it is free (no holder: released) or expired; take it over with `spec`.
 * - `renew`: we hold it; write `spec` to extend it.
 * - `wait`: `holder` holds it until `expiresAtMs`; try again later.
 */
export type LeaseDecision =
  | { readonly action: "create" | "acquire" | "renew"; readonly spec: LeaseSpec }
  | { readonly action: "wait"; readonly holder: string; readonly expiresAtMs: number };

/** What {@link decideLease} needs besides the Lease. */
export interface LeaseCandidate {
  readonly identity: string;
  /** Now, in milliseconds since the epoch, on the candidate's clock. */
  readonly nowMs: number;
  /** The duration to write into the Lease, and to assume when the Lease has none. */
  readonly leaseDurationMs: number;
}

/**
 * client-go's `tryAcquireOrRenew` decision, without I/O. A Lease with a holder
 * is valid while `now ≤ renewTime + leaseDurationSeconds` (the Lease's own
 * duration, so a released Lease with 1 s expires at once), with `renewTime`
 * read from the Lease and `now` from the candidate's clock: candidates' clocks
 * must agree to within `leaseDuration − renewDeadline`. A holder without a
 * readable `renewTime` (nor `acquireTime`) counts as expired.
 *
 * Renewing keeps `acquireTime` and `leaseTransitions`; acquiring from anyone
 * else (a released Lease included) sets `acquireTime` to now and counts one
 * more transition. Same inputs, same decision.
 */
export function decideLease(current: LeaseSpec | undefined, candidate: LeaseCandidate): LeaseDecision {
  const now = toMicroTime(candidate.nowMs);
  const ours: LeaseSpec = {
    holderIdentity: candidate.identity,
    leaseDurationSeconds: Math.max(1, Math.round(candidate.leaseDurationMs / 1000)),
    acquireTime: now,
    renewTime: now,
    leaseTransitions: 0,
  };
  if (current === undefined) return { action: "create", spec: ours };
  const holder = current.holderIdentity ?? "";
  const transitions = current.leaseTransitions ?? 0;
  if (holder === candidate.identity) {
    return {
      action: "renew",
      spec: { ...ours, acquireTime: current.acquireTime ?? now, leaseTransitions: transitions },
    };
  }
  const expiresAtMs = leaseExpiresAt(current, candidate.leaseDurationMs);
  if (holder !== "" && candidate.nowMs <= expiresAtMs) return { action: "wait", holder, expiresAtMs };
  return { action: "acquire", spec: { ...ours, leaseTransitions: transitions + 1 } };
}

/** When a Lease's holder stops holding it unless it renews: its last renewal plus its duration. */
export function leaseExpiresAt(spec: LeaseSpec, defaultDurationMs: number): number {
  const renewed = parseMicroTime(spec.renewTime ?? spec.acquireTime ?? "");
  if (renewed === undefined) return Number.NEGATIVE_INFINITY;
  const durationMs =
    spec.leaseDurationSeconds !== undefined ? spec.leaseDurationSeconds * 1000 : defaultDurationMs;
  return renewed + durationMs;
}
