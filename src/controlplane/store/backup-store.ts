import type { Database, Sql } from "./database.ts";
import { appendEvents, iso } from "./event-store.ts";
import { StoreError } from "./errors.ts";
import type { S3Location } from "../../resources/backup-job.ts";
import type { NewEvent } from "./records.ts";
import { isUuid } from "./stack-store.ts";

/** How a backup copies the world: an archive made by a Job, or a VolumeSnapshot of its claim. */
export const backupMethods = ["archive", "snapshot"] as const;
export type BackupMethod = (typeof backupMethods)[number];

/** The VolumeSnapshot a snapshot backup is, and what it was taken of. */
export interface SnapshotLocation {
  /** The VolumeSnapshot, in the stack's namespace. */
  readonly name: string;
  /** Its VolumeSnapshotClass. */
  readonly className: string;
  /** The world claim it was taken of, and that claim's StorageClass (a restore's claim asks for the same). */
  readonly sourceClaim: string;
  readonly storageClass: string;
}

/** Where a backup is in its life. */
export const backupStatuses = ["Running", "Completed", "Failed", "Restoring"] as const;
export type BackupStatus = (typeof backupStatuses)[number];

/** One archive of a stack's world volume. */
export interface BackupRecord {
  readonly id: string;
  readonly stackId: string;
  /** The claim the archive is written to (empty when it is in S3), and its file name there. */
  readonly targetClaim: string;
  readonly archive: string;
  /** Where the archive is in S3-compatible storage; null when it is in a claim. */
  readonly s3: S3Location | null;
  readonly method: BackupMethod;
  /** The VolumeSnapshot of a snapshot backup (its name is also `archive`); null for an archive. */
  readonly snapshot: SnapshotLocation | null;
  /** Why an archive was made where a snapshot was looked for; null when none was looked for or one was made. */
  readonly snapshotSkipped: string | null;
  readonly status: BackupStatus;
  /** The archive's size in bytes, once made. */
  readonly sizeBytes: number | null;
  /** Why it failed (empty otherwise). */
  readonly message: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly completedAt: string | null;
}

interface BackupRow {
  id: string;
  stack_id: string;
  target_claim: string;
  archive: string;
  s3: S3Location | null;
  method: BackupMethod;
  snapshot: SnapshotLocation | null;
  snapshot_skipped: string | null;
  status: BackupStatus;
  size_bytes: string | number | null;
  message: string;
  created_at: Date | string;
  created_by: string;
  completed_at: Date | string | null;
}

const columns =
  "id, stack_id, target_claim, archive, s3, method, snapshot, snapshot_skipped, status, size_bytes, message, created_at, created_by, completed_at";

function toBackup(r: BackupRow): BackupRecord {
  return {
    id: r.id,
    stackId: r.stack_id,
    targetClaim: r.target_claim,
    archive: r.archive,
    s3: r.s3,
    method: r.method,
    snapshot: r.snapshot,
    snapshotSkipped: r.snapshot_skipped,
    status: r.status,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    message: r.message,
    createdAt: iso(r.created_at),
    createdBy: r.created_by,
    completedAt: r.completed_at === null ? null : iso(r.completed_at),
  };
}

/** A backup to record: an archive (in a claim, or `s3`) or a `snapshot`. */
export interface NewBackup {
  readonly stackId: string;
  readonly targetClaim: string;
  readonly archive: string;
  readonly s3?: S3Location;
  readonly snapshot?: SnapshotLocation;
  readonly snapshotSkipped?: string;
  readonly createdBy: string;
}

/** What a change of a backup's status carries. */
export interface BackupChange {
  readonly status: BackupStatus;
  readonly sizeBytes?: number;
  readonly message?: string;
  /** Recorded in the same transaction. */
  readonly events?: readonly NewEvent[];
}

/**
 * Who makes or restores a backup, under which Job run: the replica
 * `worker` holds it for `leaseMs` (from the database's clock), renewed
 * while it watches the Job.
 */
export interface BackupClaim {
  readonly run: string;
  readonly worker: string;
  readonly leaseMs: number;
}

/** A backup a replica adopted, with the run of the Job left making or restoring it (null: none was recorded). */
export interface AdoptedBackup {
  readonly backup: BackupRecord;
  readonly run: string | null;
}

const lease = (param: string): string => `now() + ${param}::integer * interval '1 millisecond'`;

/**
 * The backups of stacks. A stack has at most one backup Running or
 * Restoring at a time: {@link begin} and {@link beginRestore} refuse a
 * second with a Conflict, atomically across replicas (the stack's row is
 * locked while checking). The replica doing the work holds a lease on it;
 * one whose lease lapsed (the replica died) is adopted by exactly one other
 * ({@link adoptLapsed}), and only the holder's {@link finish} counts.
 */
export class BackupStore {
  readonly #db: Database;
  readonly #appended: () => void;

  constructor(db: Database, appended: () => void) {
    this.#db = db;
    this.#appended = appended;
  }

  /** The stack's live (not deleted) backups, newest first. */
  async list(stackId: string): Promise<BackupRecord[]> {
    const rows = await this.#db.query<BackupRow>(
      `SELECT ${columns} FROM backups WHERE stack_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id`,
      [stackId],
    );
    return rows.map(toBackup);
  }

  /** One live backup of the stack, or undefined. */
  async get(stackId: string, id: string): Promise<BackupRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const rows = await this.#db.query<BackupRow>(
      `SELECT ${columns} FROM backups WHERE stack_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [stackId, id],
    );
    return rows[0] ? toBackup(rows[0]) : undefined;
  }

  /** Records a new Running backup held by `claim`, with its event; Conflict when another operation runs. */
  async begin(
    b: NewBackup,
    claim: BackupClaim,
    event: (backup: BackupRecord) => NewEvent,
  ): Promise<BackupRecord> {
    return this.#inTransaction(b.stackId, async (tx) => {
      const rows = await tx.query<BackupRow>(
        `INSERT INTO backups (stack_id, target_claim, archive, s3, created_by, run, worker, lease_until,
             method, snapshot, snapshot_skipped)
           VALUES ($1, $2, $3, $4, $5, $6, $7, ${lease("$8")}, $9, $10, $11) RETURNING ${columns}`,
        [
          b.stackId,
          b.targetClaim,
          b.archive,
          b.s3 ? JSON.stringify(b.s3) : null,
          b.createdBy,
          claim.run,
          claim.worker,
          claim.leaseMs,
          b.snapshot ? "snapshot" : "archive",
          b.snapshot ? JSON.stringify(b.snapshot) : null,
          b.snapshotSkipped ?? null,
        ],
      );
      const backup = toBackup(rows[0] as BackupRow);
      await appendEvents(tx, [event(backup)]);
      return backup;
    });
  }

  /** Marks a Completed backup Restoring, held by `claim`, with its event; Conflict when another operation runs. */
  async beginRestore(
    stackId: string,
    id: string,
    claim: BackupClaim,
    event: NewEvent,
  ): Promise<BackupRecord> {
    return this.#inTransaction(stackId, async (tx) => {
      const rows = await tx.query<BackupRow>(
        `UPDATE backups SET status = 'Restoring', run = $3, worker = $4, lease_until = ${lease("$5")}
           WHERE stack_id = $1 AND id = $2 AND status = 'Completed' AND deleted_at IS NULL RETURNING ${columns}`,
        [stackId, id, claim.run, claim.worker, claim.leaseMs],
      );
      if (!rows[0]) throw new StoreError("Conflict", `backup ${id} is not a completed backup`);
      await appendEvents(tx, [event]);
      return toBackup(rows[0]);
    });
  }

  /**
   * Ends the Running or Restoring backup `id` held by `worker`: sets its
   * status (and size or message), drops the lease and records `events`, in
   * one transaction. False, changing nothing, when it is no longer in
   * progress or another replica holds it now (it adopted it after this
   * one's lease lapsed).
   */
  async finish(id: string, worker: string, change: BackupChange): Promise<boolean> {
    const done = await this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `UPDATE backups SET status = $2, size_bytes = COALESCE($3, size_bytes), message = $4,
           completed_at = COALESCE(completed_at, CASE WHEN $2 = 'Completed' THEN now() END),
           worker = NULL, lease_until = NULL
         WHERE id = $1 AND status IN ('Running', 'Restoring') AND worker IS NOT DISTINCT FROM $5 RETURNING id`,
        [id, change.status, change.sizeBytes ?? null, change.message ?? "", worker],
      );
      if (!rows[0]) return false;
      await appendEvents(tx, change.events ?? []);
      return true;
    });
    if (done && (change.events ?? []).length > 0) this.#appended();
    return done;
  }

  /** Extends `worker`'s lease on the in-progress backup `id`; false when it lost it (another replica adopted it). */
  async renew(id: string, worker: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#db.query<{ id: string }>(
      `UPDATE backups SET lease_until = ${lease("$3")}
         WHERE id = $1 AND worker = $2 AND status IN ('Running', 'Restoring') RETURNING id`,
      [id, worker, leaseMs],
    );
    return rows.length > 0;
  }

  /**
   * Claims for `worker` every Running or Restoring backup whose lease has
   * lapsed (or that has none), holding each for `leaseMs`. Each such backup
   * goes to exactly one of any number of replicas asking at once: the claim
   * is one conditional UPDATE, which Postgres re-checks on the locked row.
   */
  async adoptLapsed(worker: string, leaseMs: number): Promise<AdoptedBackup[]> {
    const rows = await this.#db.query<BackupRow & { run: string | null }>(
      `UPDATE backups SET worker = $1, lease_until = ${lease("$2")}
         WHERE status IN ('Running', 'Restoring') AND deleted_at IS NULL
           AND (lease_until IS NULL OR lease_until < now())
         RETURNING ${columns}, run`,
      [worker, leaseMs],
    );
    return rows.map((r) => ({ backup: toBackup(r), run: r.run }));
  }

  /** Marks a backup deleted (its archive is gone) and records `event`. */
  async remove(id: string, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query("UPDATE backups SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL", [id]);
      await appendEvents(tx, [event]);
    });
    this.#appended();
  }

  async #inTransaction<T>(stackId: string, work: (tx: Sql) => Promise<T>): Promise<T> {
    const result = await this.#db.transaction(async (tx) => {
      await tx.query("SELECT id FROM stacks WHERE id = $1 FOR UPDATE", [stackId]);
      const busy = await tx.query<{ id: string; status: string }>(
        `SELECT id, status FROM backups WHERE stack_id = $1 AND deleted_at IS NULL
           AND status IN ('Running', 'Restoring') LIMIT 1`,
        [stackId],
      );
      if (busy[0]) {
        const what = busy[0].status === "Running" ? "being made" : "being restored";
        throw new StoreError("Conflict", `backup ${busy[0].id} is still ${what}`);
      }
      return work(tx);
    });
    this.#appended();
    return result;
  }
}
