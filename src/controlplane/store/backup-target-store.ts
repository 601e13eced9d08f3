import type { Database } from "./database.ts";
import { appendEvents, iso } from "./event-store.ts";
import { StoreError, sqlState, uniqueViolation } from "./errors.ts";
import type { NewEvent } from "./records.ts";

/** A named place backups go: the claim `claim` in the stack's namespace, made with `storage` when missing. */
export interface BackupTargetRecord {
  readonly name: string;
  readonly claim: string;
  readonly storage: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

interface TargetRow {
  name: string;
  claim: string;
  storage: string;
  created_at: Date | string;
  created_by: string;
}

const toTarget = (r: TargetRow): BackupTargetRecord => ({
  name: r.name,
  claim: r.claim,
  storage: r.storage,
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
});

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
  async create(t: Omit<BackupTargetRecord, "createdAt">, event: NewEvent): Promise<BackupTargetRecord> {
    try {
      const created = await this.#db.transaction(async (tx) => {
        const rows = await tx.query<TargetRow>(
          "INSERT INTO backup_targets (name, claim, storage, created_by) VALUES ($1, $2, $3, $4) RETURNING *",
          [t.name, t.claim, t.storage, t.createdBy],
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
