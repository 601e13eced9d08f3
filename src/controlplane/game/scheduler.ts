/**
 * Runs the stacks' schedules: on each tick it looks at every schedule, claims
 * the run that is due (once across all replicas: the store's claim is a
 * unique row) and executes it, recording a `ScheduleRun` event (outcome ran
 * or skipped) or `ScheduleRunFailed`. The clock is injected, so tests drive
 * it without waiting.
 */
import type { BackupOptions } from "./backup-service.ts";
import type { NewEvent } from "../store/records.ts";
import type { ScheduleRecord } from "../store/schedule-store.ts";
import type { Store } from "../store/store.ts";
import { decideRun } from "./schedule-plan.ts";

/** What a schedule's action does to its stack, as `actor`. */
export interface ScheduleActions {
  restart(stackId: string, actor: string): Promise<unknown>;
  /** With the schedule's target and retention, when it has them. */
  backup(stackId: string, actor: string, options: BackupOptions): Promise<unknown>;
  command(stackId: string, command: string, actor: string): Promise<unknown>;
}

/** Who a schedule's runs are recorded as. */
export const scheduleActor = (s: Pick<ScheduleRecord, "id">): string => `schedule:${s.id}`;

/** One replica's scheduler. */
export class Scheduler {
  readonly #store: Store;
  readonly #actions: ScheduleActions;
  readonly #holder: string;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<number> | undefined;

  constructor(store: Store, actions: ScheduleActions, options: { holder: string; now?: () => Date }) {
    this.#store = store;
    this.#actions = actions;
    this.#holder = options.holder;
    this.#now = options.now ?? ((): Date => new Date());
  }

  /**
   * Looks at every schedule once at the clock's time and runs what is due
   * and claimed here. Returns how many runs this replica executed. A failing
   * action is recorded and does not stop the others.
   */
  async tick(): Promise<number> {
    const now = this.#now();
    let executed = 0;
    for (const schedule of await this.#store.schedules.active()) {
      executed += await this.#tickOne(schedule, now).catch(() => 0);
    }
    return executed;
  }

  /** One schedule's look: 1 when this replica executed a run of it. */
  async #tickOne(schedule: ScheduleRecord, now: Date): Promise<number> {
    const spec = {
      cron: schedule.cron,
      timeZone: schedule.timeZone,
      action: schedule.action,
      missed: schedule.missed,
    };
    const decision = decideRun(spec, new Date(schedule.nextFrom), now);
    if (decision.dueAt === null) return 0;
    if (!(await this.#store.schedules.claim(schedule.id, decision.dueAt, this.#holder))) return 0;
    const base = {
      scheduleId: schedule.id,
      action: schedule.action,
      dueAt: decision.dueAt.toISOString(),
      skipped: decision.skipped,
    };
    const event = (type: NewEvent["type"], data: Record<string, unknown>): NewEvent => ({
      stackId: schedule.stackId,
      source: "system",
      type,
      actor: scheduleActor(schedule),
      data: { ...base, ...data },
    });
    if (!decision.execute) {
      await this.#store.schedules.record([event("ScheduleRun", { outcome: "skipped" })]);
      return 0;
    }
    try {
      await this.#run(schedule);
    } catch (e: unknown) {
      const message = e instanceof Error ? e.message : String(e);
      await this.#store.schedules.record([event("ScheduleRunFailed", { outcome: "failed", message })]);
      return 0;
    }
    await this.#store.schedules.record([event("ScheduleRun", { outcome: "ran" })]);
    return 1;
  }

  /** Ticks every `intervalMs` until {@link stop}; a tick never overlaps the previous one. */
  start(intervalMs = 1000): void {
    this.#timer ??= setInterval(() => {
      this.#ticking ??= this.tick()
        .catch(() => 0)
        .finally(() => (this.#ticking = undefined));
    }, intervalMs);
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  #run(s: ScheduleRecord): Promise<unknown> {
    const actor = scheduleActor(s);
    switch (s.action) {
      case "restart":
        return this.#actions.restart(s.stackId, actor);
      case "backup":
        return this.#actions.backup(s.stackId, actor, {
          ...(s.target !== null ? { target: s.target } : {}),
          ...(s.retention !== null ? { retention: s.retention } : {}),
        });
      case "command":
        return this.#actions.command(s.stackId, s.command ?? "", actor);
    }
  }
}
