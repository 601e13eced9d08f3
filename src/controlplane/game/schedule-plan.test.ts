import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideRun, nextRunAfter, scheduleProblems, type ScheduleSpec } from "./schedule-plan.ts";

const daily4: ScheduleSpec = { cron: "0 4 * * *", timeZone: "Europe/Berlin", action: "restart" };

describe("scheduleProblems", () => {
  const cases: Array<[string, ScheduleSpec, string[]]> = [
    ["a daily restart", daily4, []],
    ["a command", { ...daily4, action: "command", command: "say hello" }, []],
    ["six fields", { ...daily4, cron: "0 0 4 * * *" }, ["/cron"]],
    ["garbage", { ...daily4, cron: "a b c d e" }, ["/cron"]],
    ["minute 61", { ...daily4, cron: "61 4 * * *" }, ["/cron"]],
    ["an unknown zone", { ...daily4, timeZone: "Mars/Olympus" }, ["/timeZone"]],
    ["a command without one", { ...daily4, action: "command" }, ["/command"]],
    ["a command for a restart", { ...daily4, command: "say hi" }, ["/command"]],
    ["a command with a newline", { ...daily4, action: "command", command: "say a\nop me" }, ["/command"]],
    ["both zone and cron wrong", { ...daily4, cron: "x", timeZone: "Nowhere" }, ["/timeZone", "/cron"]],
    [
      "a backup to a target with retention",
      { ...daily4, action: "backup", target: "offsite", retention: { keepLast: 7, keepDays: 30 } },
      [],
    ],
    ["a target for a restart", { ...daily4, target: "offsite" }, ["/target"]],
    [
      "retention for a command",
      { ...daily4, action: "command", command: "say hi", retention: { keepLast: 1 } },
      ["/retention"],
    ],
  ];
  for (const [name, spec, paths] of cases)
    it(name, () =>
      assert.deepEqual(
        scheduleProblems(spec).map((p) => p.path),
        paths,
      ),
    );
});

const at = (iso: string): Date => new Date(iso);

describe("decideRun (an injected clock)", () => {
  const cases: Array<
    [string, ScheduleSpec, string, string, { dueAt: string | null; execute: boolean; skipped: number }]
  > = [
    [
      "nothing due yet",
      daily4,
      "2026-06-10T00:00:00Z",
      "2026-06-10T01:59:00Z",
      { dueAt: null, execute: false, skipped: 0 },
    ],
    [
      "04:00 in Berlin is 02:00 UTC in summer, on time",
      daily4,
      "2026-06-10T00:00:00Z",
      "2026-06-10T02:00:05Z",
      { dueAt: "2026-06-10T02:00:00.000Z", execute: true, skipped: 0 },
    ],
    [
      "and 03:00 UTC in winter",
      daily4,
      "2026-01-10T00:00:00Z",
      "2026-01-10T03:00:01Z",
      { dueAt: "2026-01-10T03:00:00.000Z", execute: true, skipped: 0 },
    ],
    [
      "the same cron in UTC is a different instant",
      { ...daily4, timeZone: "UTC" },
      "2026-06-10T00:00:00Z",
      "2026-06-10T02:00:05Z",
      { dueAt: null, execute: false, skipped: 0 },
    ],
    [
      "missed while down, skip: claimed, not run",
      daily4,
      "2026-06-10T00:00:00Z",
      "2026-06-10T09:00:00Z",
      { dueAt: "2026-06-10T02:00:00.000Z", execute: false, skipped: 1 },
    ],
    [
      "missed while down, run-once: run once",
      { ...daily4, missed: "run-once" },
      "2026-06-10T00:00:00Z",
      "2026-06-10T09:00:00Z",
      { dueAt: "2026-06-10T02:00:00.000Z", execute: true, skipped: 0 },
    ],
    [
      "three days missed, run-once: one run, two passed over",
      { ...daily4, missed: "run-once" },
      "2026-06-10T00:00:00Z",
      "2026-06-12T09:00:00Z",
      { dueAt: "2026-06-12T02:00:00.000Z", execute: true, skipped: 2 },
    ],
    [
      "three days missed but today's is on time: it runs, even under skip",
      daily4,
      "2026-06-10T00:00:00Z",
      "2026-06-12T02:00:30Z",
      { dueAt: "2026-06-12T02:00:00.000Z", execute: true, skipped: 2 },
    ],
    [
      "a due time equal to since is not due again",
      daily4,
      "2026-06-10T02:00:00Z",
      "2026-06-10T02:00:30Z",
      { dueAt: null, execute: false, skipped: 0 },
    ],
    [
      "every minute, one minute on",
      { cron: "* * * * *", timeZone: "UTC", action: "backup" },
      "2026-06-10T02:00:00Z",
      "2026-06-10T02:01:00Z",
      { dueAt: "2026-06-10T02:01:00.000Z", execute: true, skipped: 0 },
    ],
  ];
  for (const [name, spec, since, now, want] of cases)
    it(name, () => {
      const got = decideRun(spec, at(since), at(now));
      assert.deepEqual({ ...got, dueAt: got.dueAt?.toISOString() ?? null }, want);
    });

  it("the next run after a time, in the schedule's zone", () => {
    assert.equal(nextRunAfter(daily4, at("2026-06-10T02:00:00Z"))?.toISOString(), "2026-06-11T02:00:00.000Z");
  });
});
