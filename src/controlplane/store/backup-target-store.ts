import type { Database } from "./database.ts";
import { appendEvents, iso } from "./event-store.ts";
import { StoreError, sqlState, uniqueViolation } from "./errors.ts";
import type { S3SecretRef } from "../../resources/backup-job.ts";
import type { NewEvent } from "./records.ts";

/** A bucket in S3-compatible storage; archives go to `<prefix><stack>/<archive>`. No secret value. */
export interface S3TargetSettings {
  readonly endpoint: string;
  readonly bucket: string;
  /** Empty, or ends with `/`. */
  readonly prefix: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** The Secret, in each stack's namespace, that holds the keys. */
  readonly secret: S3SecretRef;
}

/** Who added a target, and when. */
interface TargetCommon {
  readonly name: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/**
 * A named place backups go: the claim `claim` in the stack's namespace, made
 * with `storage` when missing (pvc), or a bucket of S3-compatible storage (s3).
 */
export type BackupTargetRecord =
  | (TargetCommon & { readonly type: "pvc"; readonly claim: string; readonly storage: string })
  | (TargetCommon & { readonly type: "s3"; readonly s3: S3TargetSettings });

/** What {@link BackupTargetStore.create} is given. */
export type NewBackupTarget =
  | {
      readonly name: string;
      readonly createdBy: string;
      readonly type: "pvc";
      claim: string;
      storage: string;
    }
  | { readonly name: string; readonly createdBy: string; readonly type: "s3"; s3: S3TargetSettings };

interface TargetRow {
  name: string;
  type: "pvc" | "s3";
  claim: string | null;
  storage: string | null;
  s3: S3TargetSettings | null;
  created_at: Date | string;
  created_by: string;
}

function toTarget(r: TargetRow): BackupTargetRecord {
  const common = { name: r.name, createdAt: iso(r.created_at), createdBy: r.created_by };
  return r.type === "s3" && r.s3 !== null
    ? { ...common, type: "s3", s3: r.s3 }
    : { ...common, type: "pvc", claim: r.claim ?? "", storage: r.storage ?? "" };
}

/** The backup targets admins keep. Names are unique; adding one that exists is a Conflict. */
export class BackupTargetStore {
  readonly #db: Database;
  readonly #appended: () => void;

  constructor(db: Database, appended: () => void) {
    this.#db = db;
    this.#appended = appended;
  }

  /** Every target, by name. */
  async list(): Promise<BackupTargetRecord[]> {
    return (await this.#db.query<TargetRow>("SELECT * FROM backup_targets ORDER BY name")).map(toTarget);
  }

  /** The target `name`, or undefined. */
  async get(name: string): Promise<BackupTargetRecord | undefined> {
    const rows = await this.#db.query<TargetRow>("SELECT * FROM backup_targets WHERE name = $1", [name]);
    return rows[0] ? toTarget(rows[0]) : undefined;
  }

  /** Adds a target with its event; Conflict when the name is taken. */
  async create(t: NewBackupTarget, event: NewEvent): Promise<BackupTargetRecord> {
    try {
      const created = await this.#db.transaction(async (tx) => {
        const rows = await tx.query<TargetRow>(
          `INSERT INTO backup_targets (name, type, claim, storage, s3, created_by)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          t.type === "s3"
            ? [t.name, t.type, null, null, JSON.stringify(t.s3), t.createdBy]
            : [t.name, t.type, t.claim, t.storage, null, t.createdBy],
        );
        await appendEvents(tx, [event]);
        return toTarget(rows[0] as TargetRow);
      });
      this.#appended();
      return created;
    } catch (e: unknown) {
      if (sqlState(e) === uniqueViolation) throw new StoreError("Conflict", `backup target ${t.name} exists`);
      throw e;
    }
  }

  /** Removes a target with its event (its archives stay in the claims); false when there is none. */
  async remove(name: string, event: NewEvent): Promise<boolean> {
    const removed = await this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ name: string }>(
        "DELETE FROM backup_targets WHERE name = $1 RETURNING name",
        [name],
      );
      if (!rows[0]) return false;
      await appendEvents(tx, [event]);
      return true;
    });
    if (removed) this.#appended();
    return removed;
  }
}
