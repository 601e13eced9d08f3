import type { Database, Sql } from "./database.ts";
import { StoreError, sqlState, uniqueViolation } from "./errors.ts";
import { appendEvents, iso } from "./event-store.ts";
import { toObserved, type ObservedRow } from "./observed-store.ts";
import type {
  DesiredState,
  ObservedRecord,
  EventSource,
  EventType,
  NewEvent,
  Page,
  StackDrift,
  StackEvent,
  StackRecord,
  StatusSummary,
  Power,
} from "./records.ts";

interface StackRow {
  id: string;
  template: string;
  template_version: string;
  cluster: string;
  namespace: string;
  name: string;
  params: Record<string, unknown>;
  generation: number;
  last_applied_generation: number;
  desired_state: DesiredState;
  status_summary: StatusSummary;
  drift_policy: StackDrift["policy"];
  drift_ignore: StackDrift["ignore"];
  power: Power;
  restarted_at: string | null;
  power_generation: number | string | null;
  removed_at: Date | string | null;
  created_at: Date | string;
  created_by: string;
  updated_at: Date | string;
  updated_by: string;
}

function toStack(r: StackRow): StackRecord {
  return {
    id: r.id,
    template: r.template,
    templateVersion: r.template_version,
    cluster: r.cluster,
    namespace: r.namespace,
    name: r.name,
    params: r.params,
    generation: Number(r.generation),
    lastAppliedGeneration: Number(r.last_applied_generation),
    desiredState: r.desired_state,
    statusSummary: r.status_summary,
    drift: { policy: r.drift_policy, ignore: r.drift_ignore },
    power: r.power,
    restartedAt: r.restarted_at,
    powerGeneration: r.power_generation === null ? null : Number(r.power_generation),
    removedAt: r.removed_at === null ? null : iso(r.removed_at),
    createdAt: iso(r.created_at),
    createdBy: r.created_by,
    updatedAt: iso(r.updated_at),
    updatedBy: r.updated_by,
  };
}

/** A new stack, already validated against its template. */
export interface NewStack {
  readonly template: string;
  readonly templateVersion: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly params: Record<string, unknown>;
  readonly drift: StackDrift;
}

/** A stack as listed: its desired state and its observed cache (null until first observed). */
export type StackListItem = StackRecord & { readonly observed: ObservedRecord | null };

/** Listing filters; every one optional. */
export interface StackQuery {
  readonly cluster?: string;
  readonly namespace?: string;
  readonly template?: string;
  readonly statusSummary?: StatusSummary;
  readonly desiredState?: DesiredState;
  /** Substring of the name. */
  readonly nameContains?: string;
  /** Include stacks already removed from their cluster (off by default). */
  readonly includeRemoved?: boolean;
  readonly limit: number;
  readonly cursor?: string;
}

/** A desired change and how it was made. */
export interface DesiredChange {
  readonly actor: string;
  readonly source: EventSource;
  readonly type: EventType;
  /** The caller's `If-Match`; the change is refused with `StaleGeneration` when it is not current. */
  readonly expectedGeneration?: number;
  readonly params?: Record<string, unknown>;
  /** A new version of the stack's template (the caller checked that it exists). */
  readonly templateVersion?: string;
  readonly drift?: StackDrift;
  readonly desiredState?: DesiredState;
  /** A power action: the new power, and for a restart the time asked (the pods' restart annotation). */
  readonly power?: { readonly power: Power; readonly restartedAt?: string };
  readonly data?: Record<string, unknown>;
}

/**
 * The desired state of stacks. Every desired change bumps `generation`, and
 * writes its event and an outbox row for the reconciler in the same
 * transaction: either all three are durable or none is.
 */
export class StackStore {
  readonly #db: Database;
  readonly #appended: () => void;

  /** `appended` is called after every commit that appended events (to wake the event feed). */
  constructor(db: Database, appended: () => void = () => undefined) {
    this.#db = db;
    this.#appended = appended;
  }

  /** Runs `fn` in a transaction that appends events, and says so once it has committed. */
  async #appending<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const result = await this.#db.transaction(fn);
    this.#appended();
    return result;
  }

  /** Creates a stack (generation 1) with its `StackCreated` event; `Conflict` when the name is taken. */
  async create(input: NewStack, actor: string): Promise<{ stack: StackRecord; event: StackEvent }> {
    try {
      return await this.#appending(async (tx) => {
        const rows = await tx.query<StackRow>(
          `INSERT INTO stacks (template, template_version, cluster, namespace, name, params,
                               drift_policy, drift_ignore, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
          [
            input.template,
            input.templateVersion,
            input.cluster,
            input.namespace,
            input.name,
            JSON.stringify(input.params),
            input.drift.policy,
            JSON.stringify(input.drift.ignore),
            actor,
          ],
        );
        const stack = toStack(rows[0] as StackRow);
        const [event] = await appendEvents(tx, [
          {
            stackId: stack.id,
            source: "user",
            type: "StackCreated",
            actor,
            data: { generation: 1, template: stack.template, templateVersion: stack.templateVersion },
          },
        ]);
        await enqueue(tx, stack.id, "StackCreated");
        return { stack, event: event as StackEvent };
      });
    } catch (e: unknown) {
      if (sqlState(e) === uniqueViolation) {
        throw new StoreError(
          "Conflict",
          `a stack named ${input.name} already exists in namespace ${input.namespace} of cluster ${input.cluster}`,
        );
      }
      throw e;
    }
  }

  async get(id: string, sql: Sql = this.#db): Promise<StackRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const rows = await sql.query<StackRow>("SELECT * FROM stacks WHERE id = $1", [id]);
    return rows[0] ? toStack(rows[0]) : undefined;
  }

  /** The live (not yet removed) stack at a place, if any. */
  async findByPlace(cluster: string, namespace: string, name: string): Promise<StackRecord | undefined> {
    const rows = await this.#db.query<StackRow>(
      "SELECT * FROM stacks WHERE cluster = $1 AND namespace = $2 AND name = $3 AND removed_at IS NULL",
      [cluster, namespace, name],
    );
    return rows[0] ? toStack(rows[0]) : undefined;
  }

  /**
   * Stacks oldest first, filtered, one page at a time (keyset pagination:
   * stable under inserts), each with its observed cache (null until the
   * first observation), so a listing needs no second query per stack.
   */
  async list(q: StackQuery): Promise<Page<StackListItem>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      let c = clause;
      for (const v of values) {
        params.push(v);
        c = c.replace("?", `$${params.length}`);
      }
      where.push(c);
    };
    if (!q.includeRemoved) where.push("s.removed_at IS NULL");
    if (q.cluster !== undefined) add("s.cluster = ?", q.cluster);
    if (q.namespace !== undefined) add("s.namespace = ?", q.namespace);
    if (q.template !== undefined) add("s.template = ?", q.template);
    if (q.statusSummary !== undefined) add("s.status_summary = ?", q.statusSummary);
    if (q.desiredState !== undefined) add("s.desired_state = ?", q.desiredState);
    if (q.nameContains !== undefined) add("strpos(s.name, ?) > 0", q.nameContains);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    // The cursor names the last stack of the previous page; its row gives the exact (µs) position.
    if (cursor) add("(s.created_at, s.id) > (SELECT created_at, id FROM stacks WHERE id = ?::uuid)", cursor);
    params.push(q.limit + 1);
    const rows = await this.#db.query<StackRow & { observed: ObservedRow | null }>(
      `SELECT s.*, CASE WHEN o.stack_id IS NULL THEN NULL ELSE to_jsonb(o) END AS observed
       FROM stacks s LEFT JOIN stack_observed o ON o.stack_id = s.id
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY s.created_at, s.id LIMIT $${params.length}`,
      params,
    );
    const items = rows
      .slice(0, q.limit)
      .map((r) => ({ ...toStack(r), observed: r.observed ? toObserved(r.observed) : null }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
  }

  /** Every stack the reconciler should look at: not yet removed from its cluster. */
  async listLive(): Promise<StackRecord[]> {
    const rows = await this.#db.query<StackRow>(
      "SELECT * FROM stacks WHERE removed_at IS NULL ORDER BY created_at",
    );
    return rows.map(toStack);
  }

  /**
   * Applies a desired change: generation + 1, the event, and an outbox row, in
   * one transaction. `NotFound` for an unknown or removed stack,
   * `StaleGeneration` when `expectedGeneration` is not current, `Conflict`
   * when the stack is being deleted.
   */
  async change(id: string, change: DesiredChange): Promise<{ stack: StackRecord; event: StackEvent }> {
    return this.#appending(async (tx) => {
      const rows = await tx.query<StackRow>("SELECT * FROM stacks WHERE id = $1 FOR UPDATE", [id]);
      const row = rows[0];
      if (!row || row.removed_at !== null) throw new StoreError("NotFound", `no stack with id ${id}`);
      const current = toStack(row);
      if (change.expectedGeneration !== undefined && change.expectedGeneration !== current.generation) {
        throw new StoreError(
          "StaleGeneration",
          `the stack is at generation ${current.generation}, not ${change.expectedGeneration}; read it again and retry`,
          current.generation,
        );
      }
      if (current.desiredState === "Deleted") {
        throw new StoreError("Conflict", `stack ${current.name} is being deleted`);
      }
      const generation = current.generation + 1;
      const drift = change.drift ?? current.drift;
      const updated = await tx.query<StackRow>(
        `UPDATE stacks SET params = $2, drift_policy = $3, drift_ignore = $4, desired_state = $5,
                generation = $6, updated_at = now(), updated_by = $7, template_version = $8,
                power = $9, restarted_at = $10, power_generation = $11
         WHERE id = $1 RETURNING *`,
        [
          id,
          JSON.stringify(change.params ?? current.params),
          drift.policy,
          JSON.stringify(drift.ignore),
          change.desiredState ?? current.desiredState,
          generation,
          change.actor,
          change.templateVersion ?? current.templateVersion,
          change.power?.power ?? current.power,
          change.power?.restartedAt ?? current.restartedAt,
          change.power ? generation : current.powerGeneration,
        ],
      );
      const stack = toStack(updated[0] as StackRow);
      const [event] = await appendEvents(tx, [
        {
          stackId: id,
          source: change.source,
          type: change.type,
          actor: change.actor,
          data: { generation, previousGeneration: current.generation, ...change.data },
        },
      ]);
      await enqueue(tx, id, change.type);
      return { stack, event: event as StackEvent };
    });
  }

  /** Records that the operator observed `generation`; never moves backwards. */
  async markApplied(id: string, generation: number): Promise<void> {
    await this.#db.query(
      "UPDATE stacks SET last_applied_generation = greatest(last_applied_generation, $2) WHERE id = $1",
      [id, generation],
    );
  }

  /** Sets the summary; returns true when it changed. */
  async setSummary(id: string, summary: StatusSummary, sql: Sql = this.#db): Promise<boolean> {
    const rows = await sql.query(
      "UPDATE stacks SET status_summary = $2 WHERE id = $1 AND status_summary <> $2 RETURNING id",
      [id, summary],
    );
    return rows.length > 0;
  }

  /** Marks a deleted stack as gone from its cluster, with its `StackRemoved` event. */
  async markRemoved(id: string, actor: string): Promise<void> {
    await this.#appending(async (tx) => {
      const rows = await tx.query(
        "UPDATE stacks SET removed_at = now() WHERE id = $1 AND removed_at IS NULL RETURNING id",
        [id],
      );
      if (rows.length === 0) return;
      await tx.query("DELETE FROM stack_claims WHERE stack_id = $1", [id]);
      await appendEvents(tx, [{ stackId: id, source: "reconciler", type: "StackRemoved", actor }]);
    });
  }

  /** Asks the reconciler to look at a stack now (`ReconcileRequested`), without a desired change. */
  async requestReconcile(id: string, actor: string): Promise<StackEvent> {
    return this.#appending(async (tx) => {
      const stack = await this.get(id, tx);
      if (!stack || stack.removedAt !== null) throw new StoreError("NotFound", `no stack with id ${id}`);
      const [event] = await appendEvents(tx, [
        {
          stackId: id,
          source: "user",
          type: "ReconcileRequested",
          actor,
          data: { generation: stack.generation },
        },
      ]);
      await enqueue(tx, id, "ReconcileRequested");
      return event as StackEvent;
    });
  }

  /** Appends events outside a desired change (observations, reconcile outcomes). */
  async record(events: readonly NewEvent[]): Promise<StackEvent[]> {
    return this.#appending((tx) => appendEvents(tx, events));
  }
}

async function enqueue(tx: Sql, stackId: string, reason: string): Promise<void> {
  await tx.query("INSERT INTO outbox (stack_id, reason) VALUES ($1, $2)", [stackId, reason]);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed UUID (anything else cannot name a stack). */
export function isUuid(s: string): boolean {
  return uuidPattern.test(s);
}

function encodeCursor(s: StackRecord): string {
  return Buffer.from(s.id).toString("base64url");
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!isUuid(id)) throw new InvalidCursorError();
  return id;
}

/** A `cursor` that no listing handed out. */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
  constructor() {
    super("cursor is not one this API handed out");
  }
}
