import type { Database } from "./database.ts";
import { StoreError, sqlState, uniqueViolation } from "./errors.ts";
import { appendEvents, iso } from "./event-store.ts";
import { KubeconfigKeyring } from "./kubeconfig-keyring.ts";
import type { ClusterMode, ClusterRecord, TemplateRecord } from "./records.ts";

interface TemplateRow {
  id: string;
  name: string;
  version: string;
  description: string;
  base_name: string;
  base_version: string;
  param_schema: Record<string, unknown>;
  defaults: Record<string, unknown>;
  guardrails: TemplateRecord["guardrails"];
  builtin: boolean;
  created_at: Date | string;
  created_by: string;
}

const toTemplate = (r: TemplateRow): TemplateRecord => ({
  id: r.id,
  name: r.name,
  version: r.version,
  description: r.description,
  baseName: r.base_name,
  baseVersion: r.base_version,
  paramSchema: r.param_schema,
  defaults: r.defaults,
  guardrails: r.guardrails,
  builtin: r.builtin,
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
});

/** A template version to add to the catalog. */
export type NewTemplate = Omit<TemplateRecord, "id" | "createdAt" | "createdBy" | "builtin">;

/** A `clusters` row as {@link clusterColumns} selects it (never the kubeconfig itself). */
export interface ClusterRow {
  name: string;
  description: string;
  has_kubeconfig: boolean;
  mode: ClusterMode;
  agent_joined: boolean;
  agent_version: string | null;
  kubernetes_version: string | null;
  last_seen_at: Date | string | null;
  stack_count: number | string;
  created_at: Date | string;
  created_by: string;
}

/** The columns of a {@link ClusterRow}, from `clusters c`. */
export const clusterColumns = `c.name, c.description, c.kubeconfig IS NOT NULL AS has_kubeconfig, c.mode,
  c.agent_credential_hash IS NOT NULL AS agent_joined, c.agent_version, c.kubernetes_version, c.last_seen_at,
  (SELECT count(*) FROM stacks s WHERE s.cluster = c.name AND s.removed_at IS NULL) AS stack_count,
  c.created_at, c.created_by`;

/** A cluster row as a record. */
export const toCluster = (r: ClusterRow): ClusterRecord => ({
  name: r.name,
  description: r.description,
  hasKubeconfig: r.has_kubeconfig,
  mode: r.mode,
  agentJoined: r.agent_joined,
  agentVersion: r.agent_version,
  kubernetesVersion: r.kubernetes_version,
  lastSeen: r.last_seen_at === null ? null : iso(r.last_seen_at),
  stackCount: Number(r.stack_count),
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
});

/**
 * The template catalog and the clusters stacks deploy to. Kubeconfigs are
 * stored sealed by `keyring` (AES-256-GCM) and are never part of a record.
 */
export class CatalogStore {
  readonly #db: Database;
  readonly #keyring: KubeconfigKeyring;

  constructor(db: Database, keyring: KubeconfigKeyring) {
    this.#db = db;
    this.#keyring = keyring;
  }

  /**
   * Makes the built-in templates present in the catalog (inserting versions it
   * lacks; a version already there is left as it is, since stacks refer to it).
   */
  async syncBuiltins(builtins: readonly NewTemplate[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const t of builtins) {
        await tx.query(
          `INSERT INTO templates (name, version, description, base_name, base_version, param_schema, defaults, guardrails, builtin, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, 'system') ON CONFLICT (name, version) DO NOTHING`,
          [
            t.name,
            t.version,
            t.description,
            t.baseName,
            t.baseVersion,
            JSON.stringify(t.paramSchema),
            JSON.stringify(t.defaults),
            JSON.stringify(t.guardrails),
          ],
        );
      }
    });
  }

  /** Every template version, by name, newest version first within a name. */
  async listTemplates(): Promise<TemplateRecord[]> {
    const rows = await this.#db.query<TemplateRow>("SELECT * FROM templates ORDER BY name, created_at DESC");
    return rows.map(toTemplate);
  }

  /** A template version; without `version`, the newest one of that name. */
  async getTemplate(name: string, version?: string): Promise<TemplateRecord | undefined> {
    const rows =
      version === undefined
        ? await this.#db.query<TemplateRow>(
            "SELECT * FROM templates WHERE name = $1 ORDER BY created_at DESC, version DESC LIMIT 1",
            [name],
          )
        : await this.#db.query<TemplateRow>("SELECT * FROM templates WHERE name = $1 AND version = $2", [
            name,
            version,
          ]);
    return rows[0] ? toTemplate(rows[0]) : undefined;
  }

  /** Adds a template version (admins); `Conflict` when that name and version exist. */
  async createTemplate(t: NewTemplate, actor: string): Promise<TemplateRecord> {
    try {
      return await this.#db.transaction(async (tx) => {
        const rows = await tx.query<TemplateRow>(
          `INSERT INTO templates (name, version, description, base_name, base_version, param_schema, defaults, guardrails, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
          [
            t.name,
            t.version,
            t.description,
            t.baseName,
            t.baseVersion,
            JSON.stringify(t.paramSchema),
            JSON.stringify(t.defaults),
            JSON.stringify(t.guardrails),
            actor,
          ],
        );
        await appendEvents(tx, [
          {
            stackId: null,
            source: "user",
            type: "TemplateVersionCreated",
            actor,
            data: { template: t.name, version: t.version },
          },
        ]);
        return toTemplate(rows[0] as TemplateRow);
      });
    } catch (e: unknown) {
      if (sqlState(e) === uniqueViolation) {
        throw new StoreError("Conflict", `template ${t.name} already has a version ${t.version}`);
      }
      throw e;
    }
  }

  async listClusters(): Promise<ClusterRecord[]> {
    return (await this.#db.query<ClusterRow>(`SELECT ${clusterColumns} FROM clusters c ORDER BY c.name`)).map(
      toCluster,
    );
  }

  async getCluster(name: string): Promise<ClusterRecord | undefined> {
    const rows = await this.#db.query<ClusterRow>(
      `SELECT ${clusterColumns} FROM clusters c WHERE c.name = $1`,
      [name],
    );
    return rows[0] ? toCluster(rows[0]) : undefined;
  }

  /** How the control plane reaches a cluster; undefined for no such cluster. */
  async clusterMode(name: string): Promise<ClusterMode | undefined> {
    const rows = await this.#db.query<{ mode: ClusterMode }>("SELECT mode FROM clusters WHERE name = $1", [
      name,
    ]);
    return rows[0]?.mode;
  }

  /**
   * The kubeconfig of a cluster, unsealed (a secret: for connecting, never
   * for a response). Null for the process's own cluster, undefined for no
   * such cluster; throws `KeyringError` when no configured key opens it.
   */
  async clusterKubeconfig(name: string): Promise<string | null | undefined> {
    const rows = await this.#db.query<{ kubeconfig: string | null }>(
      "SELECT kubeconfig FROM clusters WHERE name = $1",
      [name],
    );
    const stored = rows[0]?.kubeconfig;
    if (stored === undefined || stored === null) return stored;
    return KubeconfigKeyring.keyIdOf(stored) === undefined ? stored : this.#keyring.open(stored, name);
  }

  /**
   * Re-seals, under the keyring's first key, every stored kubeconfig sealed
   * with another key or stored before sealing (plain text). Run at start, it
   * completes a key rotation. Returns the clusters re-sealed, and those whose
   * key is not configured (left as they are).
   */
  async resealKubeconfigs(): Promise<{ resealed: string[]; unreadable: string[] }> {
    const resealed: string[] = [];
    const unreadable: string[] = [];
    const rows = await this.#db.query<{ name: string; kubeconfig: string }>(
      "SELECT name, kubeconfig FROM clusters WHERE kubeconfig IS NOT NULL ORDER BY name",
    );
    for (const row of rows) {
      const id = KubeconfigKeyring.keyIdOf(row.kubeconfig);
      if (id === this.#keyring.primaryId) continue;
      let plain: string;
      try {
        plain = id === undefined ? row.kubeconfig : this.#keyring.open(row.kubeconfig, row.name);
      } catch {
        unreadable.push(row.name);
        continue;
      }
      await this.#db.query("UPDATE clusters SET kubeconfig = $2 WHERE name = $1 AND kubeconfig = $3", [
        row.name,
        this.#keyring.seal(plain, row.name),
        row.kubeconfig,
      ]);
      resealed.push(row.name);
    }
    return { resealed, unreadable };
  }

  /** Adds a cluster; `Conflict` when the name is taken. `kubeconfig` null: the process's own cluster. */
  async addCluster(
    c: { name: string; description: string; kubeconfig: string | null },
    actor: string,
  ): Promise<ClusterRecord> {
    try {
      return await this.#db.transaction(async (tx) => {
        const rows = await tx.query<ClusterRow>(
          `INSERT INTO clusters AS c (name, description, kubeconfig, created_by) VALUES ($1, $2, $3, $4)
           RETURNING ${clusterColumns}`,
          [
            c.name,
            c.description,
            c.kubeconfig === null ? null : this.#keyring.seal(c.kubeconfig, c.name),
            actor,
          ],
        );
        await appendEvents(tx, [
          {
            stackId: null,
            source: actor === "system" ? "system" : "user",
            type: "ClusterAdded",
            actor,
            data: { cluster: c.name },
          },
        ]);
        return toCluster(rows[0] as ClusterRow);
      });
    } catch (e: unknown) {
      if (sqlState(e) === uniqueViolation)
        throw new StoreError("Conflict", `a cluster named ${c.name} exists`);
      throw e;
    }
  }

  /** Adds the cluster if it is missing (start-up registers the process's own cluster this way). */
  async ensureCluster(name: string, description: string): Promise<void> {
    if (await this.getCluster(name)) return;
    await this.addCluster({ name, description, kubeconfig: null }, "system").catch((e: unknown) => {
      if (!(e instanceof StoreError && e.code === "Conflict")) throw e;
    });
  }
}
