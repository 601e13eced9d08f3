import { randomBytes } from "node:crypto";
import { clusterColumns, toCluster, type ClusterRow } from "./catalog-store.ts";
import type { Database, Sql } from "./database.ts";
import { StoreError, sqlState, uniqueViolation } from "./errors.ts";
import { appendEvents } from "./event-store.ts";
import { hashToken } from "./auth-store.ts";
import type { ObservedRecord, ClusterRecord, EventType, StatusSummary } from "./records.ts";
import type { SeenResource } from "./observed-store.ts";
import { ObservedStore } from "./observed-store.ts";

/** Join tokens and agent credentials start with these (secret scanners and people can tell them apart). */
export const joinTokenPrefix = "swj_";
export const agentCredentialPrefix = "swa_";

const secret = (prefix: string): string => prefix + randomBytes(32).toString("base64url");

/** One observation an agent sends up, numbered by the agent (1, 2, 3, … without reuse). */
export type AgentObservation =
  | {
      readonly seq: number;
      readonly stackId: string;
      readonly kind: "event";
      readonly type: EventType;
      readonly actor: string;
      readonly data: Record<string, unknown>;
    }
  | {
      readonly seq: number;
      readonly stackId: string;
      readonly kind: "observed";
      readonly observed: Omit<ObservedRecord, "observedAt" | "stackId">;
      readonly summary: StatusSummary;
      readonly seen: readonly SeenResource[];
    }
  /** The operator observed `generation` of the Stack the agent applied. */
  | { readonly seq: number; readonly stackId: string; readonly kind: "applied"; readonly generation: number }
  /** A deleted stack's Stack resource and children are gone from the cluster. */
  | { readonly seq: number; readonly stackId: string; readonly kind: "removed" };

/** Observations the agent's bounded buffer had to drop: sequence numbers `fromSeq`..`toSeq`. */
export interface DroppedObservations {
  readonly count: number;
  readonly fromSeq: number;
  readonly toSeq: number;
}

/**
 * Agent clusters: their one-time join tokens and their agents' credentials
 * (both stored as SHA-256 hashes only, shown once), the agents' reports, and
 * the observations they send, recorded exactly once by sequence number.
 */
export class AgentStore {
  readonly #db: Database;
  readonly #observed: ObservedStore;

  constructor(db: Database) {
    this.#db = db;
    this.#observed = new ObservedStore(db);
  }

  /** Registers an agent cluster; the join token is in this answer and never again. `Conflict` when the name is taken. */
  async addAgentCluster(
    name: string,
    description: string,
    actor: string,
  ): Promise<{ cluster: ClusterRecord; joinToken: string }> {
    const joinToken = secret(joinTokenPrefix);
    try {
      return await this.#db.transaction(async (tx) => {
        const rows = await tx.query<ClusterRow>(
          `INSERT INTO clusters AS c (name, description, mode, join_token_hash, created_by)
           VALUES ($1, $2, 'agent', $3, $4) RETURNING ${clusterColumns}`,
          [name, description, hashToken(joinToken), actor],
        );
        await appendEvents(tx, [
          {
            stackId: null,
            source: "user",
            type: "ClusterAdded",
            actor,
            data: { cluster: name, mode: "agent" },
          },
        ]);
        return { cluster: toCluster(rows[0] as ClusterRow), joinToken };
      });
    } catch (e: unknown) {
      if (sqlState(e) === uniqueViolation) throw new StoreError("Conflict", `a cluster named ${name} exists`);
      throw e;
    }
  }

  /**
   * Issues a new join token for a cluster, making it an agent cluster: a
   * direct cluster's stored kubeconfig is erased in the same transaction (its
   * stacks stay where they are; the agent takes them over). The agent's
   * current credential keeps working until a join replaces it.
   */
  async issueJoinToken(name: string, actor: string): Promise<string> {
    const joinToken = secret(joinTokenPrefix);
    await this.#db.transaction(async (tx) => {
      const before = await tx.query<{ mode: string }>(
        "SELECT mode FROM clusters WHERE name = $1 FOR UPDATE",
        [name],
      );
      if (!before[0]) throw new StoreError("NotFound", `no cluster named ${name}`);
      await tx.query(
        "UPDATE clusters SET mode = 'agent', kubeconfig = NULL, join_token_hash = $2 WHERE name = $1",
        [name, hashToken(joinToken)],
      );
      if (before[0].mode === "direct") {
        await appendEvents(tx, [
          { stackId: null, source: "user", type: "ClusterConvertedToAgent", actor, data: { cluster: name } },
        ]);
      }
    });
    return joinToken;
  }

  /**
   * Trades a join token for the agent's credential (once: the token is spent).
   * Undefined for an unknown or spent token.
   */
  async join(
    joinToken: string,
    report: { agentVersion: string; kubernetesVersion: string },
  ): Promise<{ cluster: string; credential: string } | undefined> {
    if (!joinToken.startsWith(joinTokenPrefix)) return undefined;
    const credential = secret(agentCredentialPrefix);
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ name: string }>(
        `UPDATE clusters SET join_token_hash = NULL, agent_credential_hash = $2, agent_version = $3,
           kubernetes_version = $4, last_seen_at = now()
         WHERE join_token_hash = $1 AND mode = 'agent' RETURNING name`,
        [hashToken(joinToken), hashToken(credential), report.agentVersion, report.kubernetesVersion],
      );
      const cluster = rows[0]?.name;
      if (cluster === undefined) return undefined;
      await appendEvents(tx, [
        {
          stackId: null,
          source: "system",
          type: "AgentJoined",
          actor: `agent:${cluster}`,
          // The versions only: callers may pass the whole join request, whose token must never be kept.
          data: { cluster, agentVersion: report.agentVersion, kubernetesVersion: report.kubernetesVersion },
        },
      ]);
      return { cluster, credential };
    });
  }

  /** The cluster an agent credential belongs to (undefined: unknown or revoked); marks the agent seen. */
  async authenticate(credential: string): Promise<string | undefined> {
    if (!credential.startsWith(agentCredentialPrefix)) return undefined;
    const rows = await this.#db.query<{ name: string }>(
      "UPDATE clusters SET last_seen_at = now() WHERE agent_credential_hash = $1 AND mode = 'agent' RETURNING name",
      [hashToken(credential)],
    );
    return rows[0]?.name;
  }

  /** Records the versions the agent reports; returns the highest observation number recorded so far. */
  async report(
    cluster: string,
    report: { agentVersion: string; kubernetesVersion: string },
  ): Promise<number> {
    const rows = await this.#db.query<{ agent_sequence: string | number }>(
      `UPDATE clusters SET agent_version = $2, kubernetes_version = $3, last_seen_at = now() WHERE name = $1
       RETURNING agent_sequence`,
      [cluster, report.agentVersion, report.kubernetesVersion],
    );
    return Number(rows[0]?.agent_sequence ?? 0);
  }

  /** Replaces the agent's credential with a new one (returned once); the old one stops working at once. */
  async rotate(cluster: string): Promise<string> {
    const credential = secret(agentCredentialPrefix);
    await this.#db.transaction(async (tx) => {
      await tx.query("UPDATE clusters SET agent_credential_hash = $2 WHERE name = $1", [
        cluster,
        hashToken(credential),
      ]);
      await appendEvents(tx, [
        {
          stackId: null,
          source: "system",
          type: "AgentCredentialRotated",
          actor: `agent:${cluster}`,
          data: { cluster },
        },
      ]);
    });
    return credential;
  }

  /** Revokes the agent's credential (a new join token lets an agent in again). `NotFound` for no such agent cluster. */
  async revoke(cluster: string, actor: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const rows = await tx.query(
        "UPDATE clusters SET agent_credential_hash = NULL WHERE name = $1 AND mode = 'agent' RETURNING name",
        [cluster],
      );
      if (rows.length === 0) throw new StoreError("NotFound", `no agent cluster named ${cluster}`);
      await appendEvents(tx, [
        { stackId: null, source: "user", type: "AgentCredentialRevoked", actor, data: { cluster } },
      ]);
    });
  }

  /** The ids among `stackIds` that are not stacks of `cluster` (an agent may write only its own). */
  async foreignStacks(cluster: string, stackIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(stackIds)];
    if (unique.length === 0) return [];
    const rows = await this.#db.query<{ id: string }>(
      "SELECT id::text AS id FROM stacks WHERE cluster = $1 AND id::text = ANY($2::text[])",
      [cluster, unique],
    );
    const own = new Set(rows.map((r) => r.id));
    return unique.filter((id) => !own.has(id));
  }

  /**
   * Records a batch of an agent's observations exactly once, in sequence
   * order, in ONE transaction: those at or below the highest sequence number
   * already recorded are skipped (a replay after a lost acknowledgement), and
   * a report of dropped observations is recorded once. Returns the highest
   * sequence number now recorded: the agent's acknowledgement.
   */
  async recordObservations(
    cluster: string,
    batch: readonly AgentObservation[],
    dropped?: DroppedObservations,
  ): Promise<{ ack: number; recorded: number }> {
    const result = await this.#db.transaction(async (tx) => {
      const rows = await tx.query<{
        agent_sequence: string | number;
        agent_dropped_through: string | number;
      }>("SELECT agent_sequence, agent_dropped_through FROM clusters WHERE name = $1 FOR UPDATE", [cluster]);
      if (!rows[0]) throw new StoreError("NotFound", `no cluster named ${cluster}`);
      let ack = Number(rows[0].agent_sequence);
      const actor = `agent:${cluster}`;
      if (dropped && dropped.toSeq > Number(rows[0].agent_dropped_through)) {
        await appendEvents(tx, [
          {
            stackId: null,
            source: "system",
            type: "AgentObservationsDropped",
            actor,
            data: { cluster, ...dropped },
          },
        ]);
        await tx.query("UPDATE clusters SET agent_dropped_through = $2 WHERE name = $1", [
          cluster,
          dropped.toSeq,
        ]);
      }
      let recorded = 0;
      for (const o of [...batch].sort((a, b) => a.seq - b.seq)) {
        if (o.seq <= ack) continue;
        if (o.kind === "event") {
          if (await this.#recordedOnce(tx, o)) {
            ack = o.seq;
            continue;
          }
          await appendEvents(tx, [
            {
              stackId: o.stackId,
              source: "k8s_watch",
              type: o.type,
              actor: o.actor,
              data: { ...o.data, seq: o.seq },
            },
          ]);
        } else if (o.kind === "applied") {
          await tx.query(
            "UPDATE stacks SET last_applied_generation = greatest(last_applied_generation, $2) WHERE id = $1",
            [o.stackId, o.generation],
          );
        } else if (o.kind === "removed") {
          const gone = await tx.query(
            "UPDATE stacks SET removed_at = now() WHERE id = $1 AND removed_at IS NULL RETURNING id",
            [o.stackId],
          );
          if (gone.length > 0) {
            await tx.query("DELETE FROM stack_claims WHERE stack_id = $1", [o.stackId]);
            await appendEvents(tx, [
              { stackId: o.stackId, source: "reconciler", type: "StackRemoved", actor },
            ]);
          }
        } else {
          await this.#observed.syncResources(o.stackId, o.seen, tx);
          await this.#observed.saveObserved({ stackId: o.stackId, ...o.observed }, tx);
          await tx.query("UPDATE stacks SET status_summary = $2 WHERE id = $1 AND status_summary <> $2", [
            o.stackId,
            o.summary,
          ]);
        }
        ack = o.seq;
        recorded++;
      }
      await tx.query("UPDATE clusters SET agent_sequence = $2 WHERE name = $1", [cluster, ack]);
      return { ack, recorded };
    });
    return result;
  }

  /**
   * Whether an event that says it happens once (`data.once`: the operator's
   * correction time, a Kubernetes Event's uid:count) is recorded already for
   * its stack and type: an agent sends those again after a restart.
   */
  async #recordedOnce(tx: Sql, o: Extract<AgentObservation, { kind: "event" }>): Promise<boolean> {
    const once = o.data["once"];
    if (typeof once !== "string") return false;
    const rows = await tx.query(
      "SELECT 1 FROM stack_events WHERE stack_id = $1 AND type = $2 AND data->>'once' = $3 LIMIT 1",
      [o.stackId, o.type, once],
    );
    return rows.length > 0;
  }
}
