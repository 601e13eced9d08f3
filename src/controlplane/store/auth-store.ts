import { createHash, randomBytes } from "node:crypto";
import type { Database } from "./database.ts";
import { StoreError, sqlState, uniqueViolation } from "./errors.ts";
import { appendEvents, iso } from "./event-store.ts";
import type { Role, UserRecord } from "./records.ts";

/** Tokens start with this, so that secret scanners and people can tell what they are. */
export const tokenPrefix = "swt_";

/** SHA-256 of a token, hex: tokens are 256 random bits, so a fast hash is enough (no salt needed). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** True for `swt_` followed by at least 32 URL-safe characters. */
export function isWellFormedToken(token: string): boolean {
  return /^swt_[A-Za-z0-9_-]{32,}$/.test(token);
}

interface UserRow {
  id: string;
  name: string;
  role: Role;
  created_at: Date | string;
  created_by: string;
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
});

/** Users, their roles and their API tokens (stored as hashes only). */
export class AuthStore {
  readonly #db: Database;
  /** When a token's last use was last written, to write it at most once a minute. */
  readonly #touched = new Map<string, number>();

  constructor(db: Database) {
    this.#db = db;
  }

  async createUser(name: string, role: Role, actor: string): Promise<UserRecord> {
    try {
      return await this.#db.transaction(async (tx) => {
        const rows = await tx.query<UserRow>(
          "INSERT INTO users (name, role, created_by) VALUES ($1, $2, $3) RETURNING *",
          [name, role, actor],
        );
        await appendEvents(tx, [
          { stackId: null, source: sourceOf(actor), type: "UserCreated", actor, data: { user: name, role } },
        ]);
        return toUser(rows[0] as UserRow);
      });
    } catch (e: unknown) {
      if (sqlState(e) === uniqueViolation) throw new StoreError("Conflict", `a user named ${name} exists`);
      throw e;
    }
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.#db.query<UserRow>("SELECT * FROM users ORDER BY name")).map(toUser);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const rows = await this.#db.query<UserRow>("SELECT * FROM users WHERE id::text = $1", [id]);
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  /** Issues a token for a user. The token is returned this once; only its hash is kept. */
  async createToken(
    userId: string,
    name: string,
    actor: string,
    given?: string,
  ): Promise<{ id: string; token: string }> {
    const token = given ?? tokenPrefix + randomBytes(32).toString("base64url");
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        "INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id",
        [userId, name, hashToken(token)],
      );
      await appendEvents(tx, [
        {
          stackId: null,
          source: sourceOf(actor),
          type: "TokenCreated",
          actor,
          data: { userId, tokenName: name },
        },
      ]);
      return { id: (rows[0] as { id: string }).id, token };
    });
  }

  /** The user a token belongs to, or undefined for an unknown or revoked token. */
  async authenticate(token: string): Promise<UserRecord | undefined> {
    if (!token.startsWith(tokenPrefix)) return undefined;
    const rows = await this.#db.query<UserRow & { token_id: string }>(
      `SELECT u.*, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [hashToken(token)],
    );
    const row = rows[0];
    if (!row) return undefined;
    const last = this.#touched.get(row.token_id) ?? 0;
    if (Date.now() - last > 60_000) {
      this.#touched.set(row.token_id, Date.now());
      await this.#db.query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1", [row.token_id]);
    }
    return toUser(row);
  }

  /**
   * Creates the first admin and its token when there are no users yet; returns
   * the token then, and undefined on every later start. With `given` (a token
   * the deployer chose, e.g. from a Secret), that token is the admin's, so it
   * never has to be printed. Two processes racing here create one admin (the
   * loser gets `undefined`).
   */
  async bootstrapAdmin(given?: string): Promise<string | undefined> {
    if (given !== undefined && !isWellFormedToken(given)) {
      throw new Error(
        `the bootstrap admin token must start with ${tokenPrefix} and have at least 32 more characters`,
      );
    }
    const existing = await this.#db.query("SELECT 1 FROM users LIMIT 1");
    if (existing.length > 0) return undefined;
    try {
      const admin = await this.createUser("admin", "admin", "system");
      return (await this.createToken(admin.id, "bootstrap", "system", given)).token;
    } catch (e: unknown) {
      if (e instanceof StoreError && e.code === "Conflict") return undefined;
      throw e;
    }
  }
}

/** Start-up's own writes are the system's; everything else is a user's. */
function sourceOf(actor: string): "system" | "user" {
  return actor === "system" ? "system" : "user";
}
