import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decideLease, leaseExpiresAt, type LeaseDecision, type LeaseSpec } from "./lease-decision.ts";
import { toMicroTime } from "./micro-time.ts";

const t0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const at = (s: number): string => toMicroTime(t0 + s * 1000);
const me = "me";
const candidate = (nowS: number): { identity: string; nowMs: number; leaseDurationMs: number } => ({
  identity: me,
  nowMs: t0 + nowS * 1000,
  leaseDurationMs: 15_000,
});
const held = (holder: string, renewedS: number, extra: LeaseSpec = {}): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: at(-100),
  renewTime: at(renewedS),
  leaseTransitions: 3,
  ...extra,
});
const ours = (nowS: number, acquiredS: number, transitions: number): LeaseSpec => ({
  holderIdentity: me,
  leaseDurationSeconds: 15,
  acquireTime: at(acquiredS),
  renewTime: at(nowS),
  leaseTransitions: transitions,
});

describe("decideLease", () => {
  const cases: Array<[name: string, current: LeaseSpec | undefined, nowS: number, want: LeaseDecision]> = [
    ["creates a missing Lease", undefined, 0, { action: "create", spec: ours(0, 0, 0) }],
    [
      "waits while another holder's Lease is fresh",
      held("other", 0),
      5,
      { action: "wait", holder: "other", expiresAtMs: t0 + 15_000 },
    ],
    [
      "waits at the exact expiry instant (expired means strictly after)",
      held("other", 0),
      15,
      { action: "wait", holder: "other", expiresAtMs: t0 + 15_000 },
    ],
    [
      "takes over an expired Lease, counting a transition",
      held("other", 0),
      15.001,
      {
        action: "acquire",
        spec: ours(15.001, 15.001, 4),
      },
    ],
    [
      "takes a released Lease at once",
      held("", 10, { leaseDurationSeconds: 1 }),
      10,
      {
        action: "acquire",
        spec: ours(10, 10, 4),
      },
    ],
    [
      "takes a Lease without holderIdentity at once",
      { leaseDurationSeconds: 1, renewTime: at(10), leaseTransitions: 3 },
      10,
      { action: "acquire", spec: ours(10, 10, 4) },
    ],
    [
      "uses the Lease's own duration, not ours",
      held("other", 0, { leaseDurationSeconds: 60 }),
      30,
      { action: "wait", holder: "other", expiresAtMs: t0 + 60_000 },
    ],
    [
      "falls back to acquireTime without renewTime",
      { holderIdentity: "other", leaseDurationSeconds: 15, acquireTime: at(0) },
      14,
      { action: "wait", holder: "other", expiresAtMs: t0 + 15_000 },
    ],
    [
      "treats a holder without any readable time as expired",
      { holderIdentity: "other", renewTime: "garbage", leaseTransitions: 1 },
      0,
      { action: "acquire", spec: ours(0, 0, 2) },
    ],
    [
      "renews its own Lease, keeping acquireTime and transitions",
      held(me, 0),
      2,
      {
        action: "renew",
        spec: ours(2, -100, 3),
      },
    ],
    [
      "renews its own Lease even when expired (optimistic concurrency guards it)",
      held(me, 0),
      40,
      {
        action: "renew",
        spec: ours(40, -100, 3),
      },
    ],
  ];
  for (const [name, current, nowS, want] of cases) {
    it(name, () => assert.deepEqual(decideLease(current, candidate(nowS)), want));
  }

  it("writes whole seconds, at least one", () => {
    const spec = (ms: number): LeaseSpec | undefined => {
      const d = decideLease(undefined, { identity: me, nowMs: t0, leaseDurationMs: ms });
      return d.action === "wait" ? undefined : d.spec;
    };
    assert.equal(spec(15_000)?.leaseDurationSeconds, 15);
    assert.equal(spec(2_400)?.leaseDurationSeconds, 2);
    assert.equal(spec(100)?.leaseDurationSeconds, 1);
  });
});

describe("leaseExpiresAt", () => {
  it("uses the default duration when the Lease has none", () => {
    assert.equal(leaseExpiresAt({ renewTime: at(0) }, 7_000), t0 + 7_000);
  });
});
