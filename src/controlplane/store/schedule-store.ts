import type { BackupRetention } from "../game/backup-retention.ts";
import type { Database } from "./database.ts";
import { appendEvents, iso } from "./event-store.ts";
import type { NewEvent } from "./records.ts";
import { isUuid } from "./stack-store.ts";

/** One cron schedule of a stack. */
export interface ScheduleRecord {
  readonly id: string;
  readonly stackId: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly action: "restart" | "backup" | "command";
  readonly command: string | null;
  readonly missed: "run-once" | "skip";
  /** Action backup: the backup target's name (null: the stack's own claim). */
  readonly target: string | null;
  /** Action backup: the retention applied after each of its backups (null: none). */
  readonly retention: BackupRetention | null;
  /** Runs due after this time are still to come (creation, then the last claimed run). */
  readonly nextFrom: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** What creating a schedule takes. */
export type NewSchedule = Pick<
  ScheduleRecord,
  "stackId" | "cron" | "timeZone" | "action" | "command" | "missed" | "target" | "retention" | "createdBy"
>;

interface ScheduleRow {
  id: string;
  stack_id: string;
  cron: string;
  time_zone: string;
  action: ScheduleRecord["action"];
  command: string | null;
  missed: ScheduleRecord["missed"];
  target: string | null;
  retention: BackupRetention | null;
  next_from: Date | string;
  created_at: Date | string;
  created_by: string;
}

const columns =
  "id, stack_id, cron, time_zone, action, command, missed, target, retention, next_from, created_at, created_by";

function toSchedule(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id,
    stackId: r.stack_id,
    cron: r.cron,
    timeZone: r.time_zone,
    action: r.action,
    command: r.command,
    missed: r.missed,
    target: r.target,
    retention: r.retention,
    nextFrom: iso(r.next_from),
    createdAt: iso(r.created_at),
    createdBy: r.created_by,
  };
}

/**
 * The schedules of stacks and their claimed runs. A due run is claimed by
 * inserting `(schedule, due time)` into `schedule_runs`, whose primary key
 * lets exactly one of any number of replicas have it.
 */
export class ScheduleStore {
  readonly #db: Database;
  readonly #appended: () => void;

  constructor(db: Database, appended: () => void) {
    this.#db = db;
    this.#appended = appended;
  }

  /** Adds a schedule, counting runs from `from`, with its event. */
  async create(s: NewSchedule, from: Date, event: (s: ScheduleRecord) => NewEvent): Promise<ScheduleRecord> {
    const created = await this.#db.transaction(async (tx) => {
      const rows = await tx.query<ScheduleRow>(
        `INSERT INTO schedules (stack_id, cron, time_zone, action, command, missed, target, retention,
           next_from, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${columns}`,
        [
          s.stackId,
          s.cron,
          s.timeZone,
          s.action,
          s.command,
          s.missed,
          s.target,
          s.retention === null ? null : JSON.stringify(s.retention),
          from.toISOString(),
          s.createdBy,
        ],
      );
      const schedule = toSchedule(rows[0] as ScheduleRow);
      await appendEvents(tx, [event(schedule)]);
      return schedule;
    });
    this.#appended();
    return created;
  }

  /** The stack's schedules, oldest first. */
  async list(stackId: string): Promise<ScheduleRecord[]> {
    const rows = await this.#db.query<ScheduleRow>(
      `SELECT ${columns} FROM schedules WHERE stack_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
      [stackId],
    );
    return rows.map(toSchedule);
  }

  /** Every schedule of a stack that is not deleted. */
  async active(): Promise<ScheduleRecord[]> {
    const rows = await this.#db.query<ScheduleRow>(
      `SELECT ${columns.replace(/(\w+)/g, "s.$1")} FROM schedules s JOIN stacks t ON t.id = s.stack_id
       WHERE s.deleted_at IS NULL AND t.removed_at IS NULL AND t.desired_state <> 'Deleted'
       ORDER BY s.created_at, s.id`,
    );
    return rows.map(toSchedule);
  }

  /** Deletes a schedule with its event; false when the stack has no such schedule. */
  async remove(stackId: string, id: string, event: NewEvent): Promise<boolean> {
    if (!isUuid(id)) return false;
    const removed = await this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        "UPDATE schedules SET deleted_at = now() WHERE stack_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id",
        [stackId, id],
      );
      if (!rows[0]) return false;
      await appendEvents(tx, [event]);
      return true;
    });
    if (removed) this.#appended();
    return removed;
  }

  /**
   * Claims the run of `scheduleId` due at `dueAt` for `holder` and moves the
   * schedule's `nextFrom` to it. True for exactly one caller per run, however
   * many replicas ask at once; false when another already has it.
   */
  async claim(scheduleId: string, dueAt: Date, holder: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ schedule_id: string }>(
        `INSERT INTO schedule_runs (schedule_id, due_at, claimed_by) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING schedule_id`,
        [scheduleId, dueAt.toISOString(), holder],
      );
      if (!rows[0]) return false;
      await tx.query("UPDATE schedules SET next_from = GREATEST(next_from, $2) WHERE id = $1", [
        scheduleId,
        dueAt.toISOString(),
      ]);
      return true;
    });
  }

  /** Records events of runs (ScheduleRun, ScheduleRunFailed). */
  async record(events: readonly NewEvent[]): Promise<void> {
    await this.#db.transaction((tx) => appendEvents(tx, events));
    this.#appended();
  }
}
