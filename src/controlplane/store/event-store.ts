import type { Sql } from "./database.ts";
import type { NewEvent, StackEvent } from "./records.ts";

/**
 * Every transaction that appends events takes this advisory lock first, so
 * event ids become visible in id order: a reader that has seen id N will never
 * later find a smaller id committed. That is what lets a stream resume from
 * `Last-Event-ID` without losing or repeating an event.
 */
const appendLock = 0x5717_0002;

interface EventRow {
  id: number;
  stack_id: string | null;
  source: StackEvent["source"];
  type: string;
  data: Record<string, unknown>;
  actor: string;
  created_at: Date | string;
}

const columns = "id, stack_id, source, type, data, actor, created_at";

export function toEvent(r: EventRow): StackEvent {
  return {
    id: Number(r.id),
    stackId: r.stack_id,
    source: r.source,
    type: r.type,
    data: r.data,
    actor: r.actor,
    createdAt: iso(r.created_at),
  };
}

export function iso(t: Date | string): string {
  return (t instanceof Date ? t : new Date(t)).toISOString();
}

/**
 * Appends events inside the caller's transaction (`tx` must be one), in order.
 * The database refuses UPDATE, DELETE and TRUNCATE on the table.
 */
export async function appendEvents(tx: Sql, events: readonly NewEvent[]): Promise<StackEvent[]> {
  if (events.length === 0) return [];
  await tx.query("SELECT pg_advisory_xact_lock($1)", [appendLock]);
  const out: StackEvent[] = [];
  for (const e of events) {
    const rows = await tx.query<EventRow>(
      `INSERT INTO stack_events (stack_id, source, type, data, actor) VALUES ($1, $2, $3, $4, $5) RETURNING ${columns}`,
      [e.stackId, e.source, e.type, JSON.stringify(e.data ?? {}), e.actor],
    );
    out.push(toEvent(rows[0] as EventRow));
  }
  return out;
}

/** Filters for reading the history. */
export interface EventQuery {
  readonly stackId?: string;
  /** Only events with a larger id (oldest first): for streams and forward paging. */
  readonly after?: number;
  /** Only events with a smaller id (newest first): for paging back through history. */
  readonly before?: number;
  readonly types?: readonly string[];
  readonly limit: number;
}

/**
 * Reads events: oldest first after `after`, else newest first (before
 * `before` when given).
 */
export async function queryEvents(sql: Sql, q: EventQuery): Promise<StackEvent[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown): void => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (q.stackId !== undefined) add("stack_id = ?", q.stackId);
  if (q.after !== undefined) add("id > ?", q.after);
  if (q.before !== undefined) add("id < ?", q.before);
  if (q.types && q.types.length > 0) add("type = ANY(?)", [...q.types]);
  const order = q.after !== undefined ? "ASC" : "DESC";
  params.push(q.limit);
  const rows = await sql.query<EventRow>(
    `SELECT ${columns} FROM stack_events ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY id ${order} LIMIT $${params.length}`,
    params,
  );
  return rows.map(toEvent);
}

/** The id of the newest event, 0 when there is none. */
export async function lastEventId(sql: Sql): Promise<number> {
  const rows = await sql.query<{ id: number | null }>("SELECT max(id) AS id FROM stack_events");
  return Number(rows[0]?.id ?? 0);
}
