import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  eventKind,
  eventSummary,
  matchesEventFilter,
  mergeEvents,
  stacksWithRecentDrift,
  type EventFilter,
  type EventKind,
  type EventLike,
} from "./event-kind.ts";

const ev = (over: Partial<EventLike>): EventLike => ({
  id: 1,
  stackId: "s1",
  source: "reconciler",
  type: "ReconcileStarted",
  actor: "system:reconciler",
  createdAt: "2026-01-10T12:00:00Z",
  data: {},
  ...over,
});

describe("eventKind", () => {
  const cases: Array<[Partial<EventLike>, EventKind]> = [
    [{ type: "ResourceDeletedExternally", source: "k8s_watch" }, "drift"],
    [{ type: "ResourceModifiedExternally", source: "k8s_watch" }, "drift"],
    [{ type: "DriftCorrected" }, "drift"],
    [{ type: "DesiredAdoptedFromCluster" }, "drift"],
    [{ type: "AdoptionRejected" }, "drift"],
    [{ type: "ReconcileFailed" }, "error"],
    [{ type: "ReconcileDeferred" }, "error"],
    [{ type: "KubernetesEvent", source: "k8s_watch", data: { type: "Warning" } }, "error"],
    [{ type: "KubernetesEvent", source: "k8s_watch", data: { type: "Normal" } }, "info"],
    [{ type: "StackCreated", source: "user" }, "user"],
    [{ type: "StackPaused", source: "user" }, "user"],
    [{ type: "ReconcileSucceeded" }, "progress"],
    [{ type: "PhaseChanged", source: "k8s_watch" }, "progress"],
    [{ type: "SomethingNew", source: "system" }, "info"],
  ];
  for (const [over, want] of cases) {
    it(`${over.type} from ${over.source ?? "reconciler"} → ${want}`, () =>
      assert.equal(eventKind(ev(over)), want));
  }
});

describe("eventSummary", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ kind: "Service", name: "mc" }, "Service mc"],
    [{ from: "Installing", to: "Ready" }, "Installing → Ready"],
    [{ phase: "Ready" }, "Ready"],
    [{ kind: "StatefulSet", name: "mc", path: "/spec/replicas" }, "StatefulSet mc · /spec/replicas"],
    [{ message: "connection refused" }, "connection refused"],
    [{ generation: 3 }, ""],
    [{}, ""],
  ];
  for (const [data, want] of cases)
    it(JSON.stringify(data), () => assert.equal(eventSummary({ data }), want));
});

describe("matchesEventFilter", () => {
  const drift = ev({
    type: "ResourceDeletedExternally",
    source: "k8s_watch",
    data: { kind: "Service", name: "mc" },
  });
  const user = ev({ type: "StackCreated", source: "user", actor: "alice" });
  const none: EventFilter = { kind: "", source: "", text: "" };
  const cases: Array<[string, EventLike, EventFilter, boolean]> = [
    ["no filter", drift, none, true],
    ["kind matches", drift, { ...none, kind: "drift" }, true],
    ["kind differs", user, { ...none, kind: "drift" }, false],
    ["source matches", user, { ...none, source: "user" }, true],
    ["source differs", drift, { ...none, source: "user" }, false],
    ["text in actor", user, { ...none, text: "ALICE" }, true],
    ["text in summary", drift, { ...none, text: "service mc" }, true],
    ["text in type", drift, { ...none, text: "deleted" }, true],
    ["text missing", drift, { ...none, text: "zzz" }, false],
  ];
  for (const [name, e, f, want] of cases) it(name, () => assert.equal(matchesEventFilter(e, f), want));
});

describe("stacksWithRecentDrift", () => {
  const now = Date.parse("2026-01-10T12:10:00Z");
  it("keeps drift inside the window only, per stack", () => {
    const got = stacksWithRecentDrift(
      [
        ev({ id: 1, stackId: "a", type: "DriftCorrected", createdAt: "2026-01-10T12:05:00Z" }),
        ev({ id: 2, stackId: "b", type: "DriftCorrected", createdAt: "2026-01-10T11:00:00Z" }),
        ev({ id: 3, stackId: "c", type: "ReconcileFailed", createdAt: "2026-01-10T12:09:00Z" }),
        ev({ id: 4, stackId: null, type: "DriftCorrected", createdAt: "2026-01-10T12:09:00Z" }),
      ],
      now,
      10 * 60_000,
    );
    assert.deepEqual([...got], ["a"]);
  });
});

describe("mergeEvents", () => {
  it("orders newest first, drops duplicates and keeps the limit", () => {
    const got = mergeEvents([ev({ id: 3 }), ev({ id: 1 })], [ev({ id: 3 }), ev({ id: 4 }), ev({ id: 2 })], 3);
    assert.deepEqual(
      got.map((e) => e.id),
      [4, 3, 2],
    );
  });
});
