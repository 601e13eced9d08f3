import type { Database, Sql } from "./database.ts";
import { iso } from "./event-store.ts";
import type { ObservedRecord, ResourceRecord } from "./records.ts";

/** One managed object as an observer saw it. */
export interface SeenResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly component: string;
  readonly health: string;
}

/** What {@link ObservedStore.syncResources} changed. */
export interface ResourceChanges {
  /** Seen for the first time (new UIDs). */
  readonly added: ResourceRecord[];
  /** Live before, not seen now: marked deleted. */
  readonly removed: ResourceRecord[];
  /** When something was added: the objects deleted before this sync, newest first. */
  readonly gone: ResourceRecord[];
}

interface ResourceRow {
  stack_id: string;
  api_version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  component: string;
  health: string;
  managed: boolean;
  first_seen_at: Date | string;
  last_seen_at: Date | string;
  deleted_at: Date | string | null;
}

const toResource = (r: ResourceRow): ResourceRecord => ({
  stackId: r.stack_id,
  apiVersion: r.api_version,
  kind: r.kind,
  namespace: r.namespace,
  name: r.name,
  uid: r.uid,
  component: r.component,
  health: r.health,
  managed: r.managed,
  firstSeenAt: iso(r.first_seen_at),
  lastSeenAt: iso(r.last_seen_at),
  deletedAt: r.deleted_at === null ? null : iso(r.deleted_at),
});

/** What the control plane has seen in the cluster: managed objects by UID, and the observed cache. */
export class ObservedStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Records the objects a stack has now, in one transaction (`sql`'s when
   * given, else its own). Returns those seen for the first time (new UIDs),
   * those that were live and are no longer among them (now marked deleted),
   * and, when something was added, those deleted earlier, newest first. A
   * deleted-and-recreated object is one of each.
   */
  async syncResources(stackId: string, seen: readonly SeenResource[], sql?: Sql): Promise<ResourceChanges> {
    if (!sql) return this.#db.transaction((tx) => this.syncResources(stackId, seen, tx));
    const tx = sql;
    const before = (
      await tx.query<ResourceRow>(
        "SELECT * FROM stack_resources WHERE stack_id = $1 AND deleted_at IS NULL",
        [stackId],
      )
    ).map(toResource);
    const known = new Set(before.map((r) => r.uid));
    const now = new Set(seen.map((r) => r.uid));
    const added: ResourceRecord[] = [];
    for (const r of seen) {
      const rows = await tx.query<ResourceRow>(
        `INSERT INTO stack_resources (stack_id, api_version, kind, namespace, name, uid, component, health)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (stack_id, uid) DO UPDATE SET health = excluded.health, last_seen_at = now(), deleted_at = NULL
         RETURNING *`,
        [stackId, r.apiVersion, r.kind, r.namespace, r.name, r.uid, r.component, r.health],
      );
      if (!known.has(r.uid) && rows[0]) added.push(toResource(rows[0]));
    }
    const removed = before.filter((r) => !now.has(r.uid));
    for (const r of removed) {
      await tx.query("UPDATE stack_resources SET deleted_at = now() WHERE stack_id = $1 AND uid = $2", [
        stackId,
        r.uid,
      ]);
    }
    const gone =
      added.length === 0
        ? []
        : (
            await tx.query<ResourceRow>(
              `SELECT * FROM stack_resources WHERE stack_id = $1 AND deleted_at IS NOT NULL
               AND NOT (uid = ANY($2)) ORDER BY deleted_at DESC`,
              [stackId, removed.map((r) => r.uid)],
            )
          ).map(toResource);
    return { added, removed, gone };
  }

  /** The stack's objects: live ones, and with `includeDeleted` the history of replaced UIDs too. */
  async resources(stackId: string, includeDeleted = false): Promise<ResourceRecord[]> {
    const rows = await this.#db.query<ResourceRow>(
      `SELECT * FROM stack_resources WHERE stack_id = $1 ${includeDeleted ? "" : "AND deleted_at IS NULL"}
       ORDER BY kind, name, first_seen_at`,
      [stackId],
    );
    return rows.map(toResource);
  }

  /** Replaces the observed cache of a stack (in `sql`'s transaction when given). */
  async saveObserved(o: Omit<ObservedRecord, "observedAt">, sql: Sql = this.#db): Promise<void> {
    await sql.query(
      `INSERT INTO stack_observed (stack_id, phase, observed_generation, resource_generation, conditions, components, ready, message, observed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT (stack_id) DO UPDATE SET phase = excluded.phase, observed_generation = excluded.observed_generation,
         resource_generation = excluded.resource_generation, conditions = excluded.conditions,
         components = excluded.components, ready = excluded.ready, message = excluded.message, observed_at = now()`,
      [
        o.stackId,
        o.phase,
        o.observedGeneration,
        o.resourceGeneration,
        JSON.stringify(o.conditions),
        JSON.stringify(o.components),
        o.ready,
        o.message,
      ],
    );
  }

  async observed(stackId: string): Promise<ObservedRecord | undefined> {
    const rows = await this.#db.query<ObservedRow>("SELECT * FROM stack_observed WHERE stack_id = $1", [
      stackId,
    ]);
    return rows[0] ? toObserved(rows[0]) : undefined;
  }
}

/** A row of `stack_observed`, as selected (or as `to_jsonb` of it, where timestamps are strings). */
export interface ObservedRow {
  stack_id: string;
  phase: string | null;
  observed_generation: number | null;
  resource_generation: number | null;
  conditions: ObservedRecord["conditions"];
  components: ObservedRecord["components"];
  ready: string | null;
  message: string;
  observed_at: Date | string;
}

/** The record of an observed row. */
export function toObserved(r: ObservedRow): ObservedRecord {
  return {
    stackId: r.stack_id,
    phase: r.phase,
    observedGeneration: r.observed_generation === null ? null : Number(r.observed_generation),
    resourceGeneration: r.resource_generation === null ? null : Number(r.resource_generation),
    conditions: r.conditions,
    components: r.components,
    ready: r.ready,
    message: r.message,
    observedAt: iso(r.observed_at),
  };
}

/**
 * Reconcile work: the outbox (written with each desired change) and per-stack
 * claims, so that two server replicas never work one stack at once.
 */
export class WorkStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Takes up to `limit` outbox rows (skipping rows another replica is taking) and returns their stack ids. */
  async takeOutbox(limit: number): Promise<string[]> {
    const rows = await this.#db.query<{ stack_id: string }>(
      `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING stack_id`,
      [limit],
    );
    return [...new Set(rows.map((r) => r.stack_id))];
  }

  /**
   * Claims `stackId` for `holder` for `ttlMs`. True when the holder has it:
   * nobody had it, the holder already had it (renewed), or the previous claim
   * lapsed.
   */
  async claim(stackId: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.#db.query(
      `INSERT INTO stack_claims (stack_id, holder, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3::float8 / 1000))
       ON CONFLICT (stack_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE stack_claims.holder = excluded.holder OR stack_claims.expires_at < now()
       RETURNING stack_id`,
      [stackId, holder, ttlMs],
    );
    return rows.length > 0;
  }

  /** Gives a claim back (only the holder's own). */
  async release(stackId: string, holder: string): Promise<void> {
    await this.#db.query("DELETE FROM stack_claims WHERE stack_id = $1 AND holder = $2", [stackId, holder]);
  }
}
