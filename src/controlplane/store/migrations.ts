import type { Database, Sql } from "./database.ts";

/** One schema change. Versions are applied in order, each in its own transaction, exactly once. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The schema of the control plane's store. Append new migrations; never edit
 * one that has shipped (a database that applied it would not see the change).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE clusters (
  name        text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  -- NULL: the cluster this process was started against (stackwarden up, in-cluster).
  kubeconfig  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL
);

CREATE TABLE templates (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL,
  version      text NOT NULL,
  description  text NOT NULL DEFAULT '',
  -- The built-in template whose builders render this version.
  base_name    text NOT NULL,
  base_version text NOT NULL,
  param_schema jsonb NOT NULL,
  defaults     jsonb NOT NULL DEFAULT '{}',
  guardrails   jsonb NOT NULL,
  builtin      boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL,
  UNIQUE (name, version)
);

CREATE TABLE stacks (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  template                text NOT NULL,
  template_version        text NOT NULL,
  cluster                 text NOT NULL REFERENCES clusters(name),
  namespace               text NOT NULL,
  name                    text NOT NULL,
  params                  jsonb NOT NULL,
  generation              bigint NOT NULL DEFAULT 1 CHECK (generation >= 1),
  last_applied_generation bigint NOT NULL DEFAULT 0,
  desired_state           text NOT NULL DEFAULT 'Active'
                            CHECK (desired_state IN ('Active', 'Paused', 'Deleted')),
  status_summary          text NOT NULL DEFAULT 'Progressing'
                            CHECK (status_summary IN ('Healthy', 'Progressing', 'Degraded', 'Error')),
  drift_policy            text NOT NULL DEFAULT 'enforce' CHECK (drift_policy IN ('enforce', 'ignore', 'adopt')),
  drift_ignore            jsonb NOT NULL DEFAULT '[]',
  -- Set once the Stack resource and its children are gone from the cluster.
  removed_at              timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  created_by              text NOT NULL,
  updated_at              timestamptz NOT NULL DEFAULT now(),
  updated_by              text NOT NULL,
  FOREIGN KEY (template, template_version) REFERENCES templates(name, version)
);
-- One live stack per name and place; a deleted one frees its name once it is gone.
CREATE UNIQUE INDEX stacks_place ON stacks (cluster, namespace, name) WHERE removed_at IS NULL;
CREATE INDEX stacks_listing ON stacks (created_at, id);

CREATE TABLE stack_resources (
  stack_id     uuid NOT NULL REFERENCES stacks(id),
  api_version  text NOT NULL,
  kind         text NOT NULL,
  namespace    text NOT NULL,
  name         text NOT NULL,
  uid          text NOT NULL,
  component    text NOT NULL DEFAULT '',
  health       text NOT NULL DEFAULT '',
  managed      boolean NOT NULL DEFAULT true,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  PRIMARY KEY (stack_id, uid)
);
CREATE INDEX stack_resources_object ON stack_resources (stack_id, kind, namespace, name);

CREATE TABLE stack_observed (
  stack_id            uuid PRIMARY KEY REFERENCES stacks(id),
  phase               text,
  observed_generation bigint,
  resource_generation bigint,
  conditions          jsonb NOT NULL DEFAULT '[]',
  components          jsonb NOT NULL DEFAULT '[]',
  ready               text,
  message             text NOT NULL DEFAULT '',
  observed_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stack_events (
  id         bigserial PRIMARY KEY,
  stack_id   uuid REFERENCES stacks(id),
  source     text NOT NULL CHECK (source IN ('user', 'reconciler', 'k8s_watch', 'system')),
  type       text NOT NULL,
  data       jsonb NOT NULL DEFAULT '{}',
  actor      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stack_events_stack ON stack_events (stack_id, id);

CREATE FUNCTION stack_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stack_events is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER stack_events_append_only BEFORE UPDATE OR DELETE ON stack_events
  FOR EACH ROW EXECUTE FUNCTION stack_events_append_only();
CREATE TRIGGER stack_events_no_truncate BEFORE TRUNCATE ON stack_events
  FOR EACH STATEMENT EXECUTE FUNCTION stack_events_append_only();

-- Work for the DB → cluster reconciler, written in the same transaction as the change that caused it.
CREATE TABLE outbox (
  id         bigserial PRIMARY KEY,
  stack_id   uuid NOT NULL REFERENCES stacks(id),
  reason     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Which server replica works a stack right now; a claim lapses at expires_at.
CREATE TABLE stack_claims (
  stack_id   uuid PRIMARY KEY REFERENCES stacks(id),
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE users (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL UNIQUE,
  role       text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users(id),
  name         text NOT NULL,
  -- SHA-256 of the token, hex. The token itself is shown once and never stored.
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
`,
  },
  {
    version: 2,
    name: "game server power",
    sql: `
ALTER TABLE stacks
  ADD COLUMN power            text NOT NULL DEFAULT 'Running' CHECK (power IN ('Running', 'Stopped')),
  -- The last restart asked for (its time, ISO 8601): the pod template's restart annotation.
  ADD COLUMN restarted_at     text,
  -- The generation of the last power action: another waits until the operator observed it.
  ADD COLUMN power_generation bigint;
`,
  },
  {
    version: 3,
    name: "game server backups and schedules",
    sql: `
-- Named places archives go, kept by admins: a claim in the stack's namespace.
CREATE TABLE backup_targets (
  name       text PRIMARY KEY,
  claim      text NOT NULL,
  -- What the claim asks for when the control plane makes it.
  storage    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);

-- One archive of a stack's world volume, made and restored by Kubernetes Jobs.
CREATE TABLE backups (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stack_id     uuid NOT NULL REFERENCES stacks(id),
  -- Where the archive lives: the claim and the file name inside it.
  target_claim text NOT NULL,
  archive      text NOT NULL,
  -- Running: being made; Restoring: being written back; Failed: never made.
  status       text NOT NULL DEFAULT 'Running'
                 CHECK (status IN ('Running', 'Completed', 'Failed', 'Restoring')),
  size_bytes   bigint,
  message      text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL,
  completed_at timestamptz,
  deleted_at   timestamptz
);
CREATE INDEX backups_stack ON backups (stack_id, created_at);

CREATE TABLE schedules (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stack_id   uuid NOT NULL REFERENCES stacks(id),
  cron       text NOT NULL,
  time_zone  text NOT NULL,
  action     text NOT NULL CHECK (action IN ('restart', 'backup', 'command')),
  command    text,
  missed     text NOT NULL DEFAULT 'skip' CHECK (missed IN ('run-once', 'skip')),
  -- The due time runs are counted from: creation, then each claimed run.
  next_from  timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  deleted_at timestamptz
);
CREATE INDEX schedules_stack ON schedules (stack_id) WHERE deleted_at IS NULL;

-- One row per due run: the primary key lets exactly one replica claim it.
CREATE TABLE schedule_runs (
  schedule_id uuid NOT NULL REFERENCES schedules(id),
  due_at      timestamptz NOT NULL,
  claimed_by  text NOT NULL,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, due_at)
);
`,
  },
  {
    version: 4,
    name: "agent clusters",
    sql: `
ALTER TABLE clusters
  ADD COLUMN mode               text NOT NULL DEFAULT 'direct' CHECK (mode IN ('direct', 'agent')),
  -- SHA-256 (hex) of the one-time join token; NULL once it was traded or when there is none.
  ADD COLUMN join_token_hash    text UNIQUE,
  -- SHA-256 (hex) of the agent's credential; NULL before the join and after a revocation.
  ADD COLUMN agent_credential_hash text UNIQUE,
  ADD COLUMN agent_version      text,
  ADD COLUMN kubernetes_version text,
  ADD COLUMN last_seen_at       timestamptz,
  -- The highest observation sequence number the agent sent that was recorded (idempotent replay).
  ADD COLUMN agent_sequence     bigint NOT NULL DEFAULT 0,
  -- The last sequence number of observations the agent reported dropped (its buffer was full).
  ADD COLUMN agent_dropped_through bigint NOT NULL DEFAULT 0,
  ADD CONSTRAINT agent_clusters_hold_no_kubeconfig CHECK (mode = 'direct' OR kubeconfig IS NULL);
`,
  },
  {
    version: 5,
    name: "S3-compatible backup targets",
    sql: `
-- A target is a claim (pvc) or a bucket in S3-compatible storage (s3). An s3 target keeps its
-- endpoint, bucket, prefix, region, addressing and the name and keys of the Secret holding its
-- credentials, never the credentials themselves.
ALTER TABLE backup_targets
  ADD COLUMN type text NOT NULL DEFAULT 'pvc' CHECK (type IN ('pvc', 's3')),
  ADD COLUMN s3   jsonb,
  ALTER COLUMN claim DROP NOT NULL,
  ALTER COLUMN storage DROP NOT NULL,
  ADD CONSTRAINT backup_targets_shape CHECK (
    (type = 'pvc' AND claim IS NOT NULL AND storage IS NOT NULL AND s3 IS NULL)
    OR (type = 's3' AND claim IS NULL AND storage IS NULL AND s3 IS NOT NULL));

-- Where an archive in S3-compatible storage lives (endpoint, bucket, key, region, addressing,
-- Secret reference); NULL for an archive in a claim (target_claim).
ALTER TABLE backups ADD COLUMN s3 jsonb;
`,
  },
  {
    version: 6,
    name: "backups adopted across replicas, and scheduled backups' target and retention",
    sql: `
-- The replica making or restoring a backup holds it until lease_until and renews that while it
-- watches its Job; once the lease lapses, another replica adopts the backup (claims it by moving
-- worker and lease_until in one conditional UPDATE). run names the Job: sw-<operation>-<id>-<run>.
ALTER TABLE backups
  ADD COLUMN run         text,
  ADD COLUMN worker      text,
  ADD COLUMN lease_until timestamptz;
CREATE INDEX backups_in_progress ON backups (lease_until)
  WHERE status IN ('Running', 'Restoring') AND deleted_at IS NULL;

-- A backup schedule's target (NULL: the stack's own claim) and retention ({keepLast, keepDays}).
ALTER TABLE schedules
  ADD COLUMN target    text,
  ADD COLUMN retention jsonb;
`,
  },
  {
    version: 7,
    name: "VolumeSnapshot backups",
    sql: `
-- A backup is an archive (a Job writing a .tar.gz to a claim or a bucket) or a VolumeSnapshot of
-- the world claim. snapshot: the VolumeSnapshot's name, its class, the claim and StorageClass it
-- was taken of; NULL for an archive. snapshot_skipped: why an archive was made where a snapshot
-- was looked for (no snapshot API, no class for the driver, forbidden …); NULL otherwise.
ALTER TABLE backups
  ADD COLUMN method           text NOT NULL DEFAULT 'archive' CHECK (method IN ('archive', 'snapshot')),
  ADD COLUMN snapshot         jsonb,
  ADD COLUMN snapshot_skipped text,
  ADD CONSTRAINT backups_method_shape CHECK ((method = 'snapshot') = (snapshot IS NOT NULL));
`,
  },
];

/** The advisory lock key migrations hold, so that two replicas starting together migrate once. */
const migrationLock = 0x5717_0001;

/**
 * Brings the schema up to date. Safe to run twice and from several processes
 * at once: the work is serialized by an advisory lock and every migration is
 * recorded in `schema_migrations` in the transaction that applies it.
 * Returns the versions it applied.
 */
export async function migrate(db: Database, list: readonly Migration[] = migrations): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Set((await appliedVersions(tx)).map((r) => r.version));
    const done: number[] = [];
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      done.push(m.version);
    }
    return done;
  });
}

async function appliedVersions(tx: Sql): Promise<Array<{ version: number }>> {
  return tx.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
}
