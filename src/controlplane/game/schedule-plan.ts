/**
 * When a schedule's runs are due, and what to do with runs missed while no
 * control plane was up. Pure: the same schedule, times and clock give the
 * same answer. Cron expressions are read by croner, in the schedule's IANA
 * time zone (so "0 4 * * *" in Europe/Berlin is 04:00 there, summer or winter).
 */
import { Cron } from "croner";
import type { BackupRetention } from "./backup-retention.ts";
import { consoleCommandProblems } from "./console-command.ts";

/** What a schedule does. */
export const scheduleActions = ["restart", "backup", "command"] as const;
export type ScheduleAction = (typeof scheduleActions)[number];

/** Runs missed while the control plane was down: run once at start, or skip them. */
export const missedPolicies = ["run-once", "skip"] as const;
export type MissedPolicy = (typeof missedPolicies)[number];

/** A schedule as a person writes it. */
export interface ScheduleSpec {
  readonly cron: string;
  readonly timeZone: string;
  readonly action: ScheduleAction;
  readonly command?: string;
  readonly missed?: MissedPolicy;
  /** For action backup: an admin's backup target (absent: the stack's own claim). */
  readonly target?: string;
  /** For action backup: applied after each scheduled backup completes. */
  readonly retention?: BackupRetention;
}

/** A problem with one field of a schedule. */
export interface ScheduleProblem {
  readonly path: string;
  readonly message: string;
}

/** A run this late or later counts as missed rather than on time. */
export const onTimeGraceMs = 60_000;

function cronOf(spec: Pick<ScheduleSpec, "cron" | "timeZone">): Cron {
  return new Cron(spec.cron, { timezone: spec.timeZone, paused: true, mode: "5-part" });
}

/**
 * What is wrong with `spec` beyond its JSON types: the cron expression (five
 * fields), the time zone (an IANA name), a command given exactly when the
 * action is `command` and, then, a command the console accepts; a target
 * and a retention only for action `backup`. Empty when it is fine (whether
 * the target exists is the service's to check).
 */
export function scheduleProblems(spec: ScheduleSpec): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  let zoneOk = true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: spec.timeZone });
  } catch {
    zoneOk = false;
    problems.push({
      path: "/timeZone",
      message: `${JSON.stringify(spec.timeZone)} is not an IANA time zone`,
    });
  }
  if (spec.cron.trim().split(/\s+/).length !== 5) {
    problems.push({
      path: "/cron",
      message: "must have five fields: minute hour day-of-month month day-of-week",
    });
  } else {
    try {
      const cron = cronOf({ cron: spec.cron, timeZone: zoneOk ? spec.timeZone : "UTC" });
      if (cron.nextRun(new Date(0)) === null) problems.push({ path: "/cron", message: "never runs" });
    } catch (e: unknown) {
      problems.push({ path: "/cron", message: e instanceof Error ? e.message : "is not a cron expression" });
    }
  }
  if (spec.action === "command") {
    if (spec.command === undefined)
      problems.push({ path: "/command", message: "is required for action command" });
    else problems.push(...consoleCommandProblems(spec.command));
  } else if (spec.command !== undefined) {
    problems.push({ path: "/command", message: `only action command takes a command, not ${spec.action}` });
  }
  if (spec.action !== "backup") {
    for (const field of ["target", "retention"] as const)
      if (spec[field] !== undefined)
        problems.push({
          path: `/${field}`,
          message: `only action backup takes a ${field}, not ${spec.action}`,
        });
  }
  return problems;
}

/** What one look at a schedule decides. */
export interface RunDecision {
  /** The due time to claim (the latest one passed), or null when none is due. */
  readonly dueAt: Date | null;
  /** Whether the claimed run executes (false: it was missed and the schedule skips missed runs). */
  readonly execute: boolean;
  /** Due times passed over without a run of their own. */
  readonly skipped: number;
}

/** At most this many due times are counted between two looks (a per-minute schedule down for weeks). */
const maxCounted = 10_000;

/**
 * The runs of `spec` due after `since` up to `now`. None → dueAt null. The
 * latest one is claimed; it executes when it is on time (less than
 * {@link onTimeGraceMs} late) or when missed runs run once; the earlier ones
 * are passed over (counted in `skipped`): a schedule never runs twice to catch up.
 */
export function decideRun(spec: ScheduleSpec, since: Date, now: Date): RunDecision {
  const cron = cronOf(spec);
  let latest: Date | null = null;
  let count = 0;
  for (let next = cron.nextRun(since); next !== null && next <= now && count < maxCounted;) {
    latest = next;
    count++;
    next = cron.nextRun(next);
  }
  if (latest === null) return { dueAt: null, execute: false, skipped: 0 };
  const onTime = now.getTime() - latest.getTime() < onTimeGraceMs;
  const execute = onTime || (spec.missed ?? "skip") === "run-once";
  return { dueAt: latest, execute, skipped: count - (execute ? 1 : 0) };
}

/** The next time `spec` runs after `after`, or null. */
export function nextRunAfter(spec: Pick<ScheduleSpec, "cron" | "timeZone">, after: Date): Date | null {
  return cronOf(spec).nextRun(after);
}
