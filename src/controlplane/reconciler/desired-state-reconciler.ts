import type { Logger } from "pino";
import type { Stack } from "../../api/stack.ts";
import { TerminalError } from "../../engine/errors.ts";
import { done, requeueAfter, type ReconcileResult, type Reconciler } from "../../engine/result.ts";
import { configHash, needsApply, withAppliedHash } from "../../kube/desired-state.ts";
import { checkAdoption } from "../guardrails.ts";
import type { ClusterWatch } from "../observers/cluster-watch.ts";
import { appliedGenerationOf, buildStackResource, stackIdOf } from "../stack-resource.ts";
import { StoreError } from "../store/errors.ts";
import type { NewEvent, StackRecord, TemplateRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import { isClusterUnreachable, isStoreUnavailable, Unavailable } from "./cluster-errors.ts";
import { adoptParams, paramPointers } from "./stack-drift.ts";
import { applyIfChanged, editOf, revertEdit, type ForeignEdit } from "./stack-convergence.ts";
import { StackWriter } from "./stack-writer.ts";

/** Where the reconciler finds a stack's cluster (connected lazily). */
export interface ClusterSource {
  connect(name: string): Promise<ClusterWatch>;
}

/** How a {@link DesiredStateReconciler} is made. */
export interface DesiredStateReconcilerOptions {
  readonly store: Store;
  readonly clusters: ClusterSource;
  /** This process's claim holder id: two replicas never work one stack at once. */
  readonly holder: string;
  /** How long a claim lasts; renewed by every reconcile. Default 30 s. */
  readonly claimTtlMs?: number;
  readonly log: Logger;
}

/** How often to look again while the operator has not yet observed what was applied. */
const observePollMs = 5_000;

/**
 * The DB → cluster reconciler of one stack id. Level-based: it reads the
 * stack's desired state from the store and the live Stack resource, and:
 *
 * 1. claims the stack for the reconcile (held by another replica → looks
 *    again in a few seconds; given back once converged, kept while waiting
 *    for the operator);
 * 2. Deleted → deletes the Stack (the operator's finalizer removes the
 *    children) and marks the stack removed once it is gone;
 * 3. records and handles an out-of-band edit of the Stack per drift policy
 *    (enforce: revert; ignore: leave; adopt: take it into the desired state
 *    when the guardrails allow, else revert and record the rejection);
 * 4. server-side applies the Stack, writing only when it differs;
 * 5. marks the generation applied once the operator observed it.
 *
 * It reads the store before it touches the cluster, so with the database
 * away it changes nothing. The cluster away → one `ReconcileDeferred` per
 * outage per stack, and a transient error so the queue backs off.
 */
export class DesiredStateReconciler implements Reconciler {
  readonly #o: DesiredStateReconcilerOptions;
  /** Stacks whose cluster is unreachable right now (one ReconcileDeferred per outage). */
  readonly #deferred = new Set<string>();
  /** The generation whose ReconcileStarted was recorded, per stack. */
  readonly #started = new Map<string, number>();
  /** The last out-of-band state recorded as DriftIgnored, per stack. */
  readonly #ignored = new Map<string, string>();
  /** Stacks this replica has claimed (released on stop). */
  readonly claimed = new Set<string>();

  constructor(options: DesiredStateReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(id: string, signal: AbortSignal): Promise<ReconcileResult> {
    try {
      const result = await this.#reconcile(id, signal);
      if (this.#deferred.delete(id)) this.#o.log.info({ stackId: id }, "cluster reachable again");
      // Converged: give the claim back so another replica may take the next trigger at once.
      if (result.type === "done" && this.claimed.delete(id)) {
        await this.#o.store.work.release(id, this.#o.holder).catch(() => undefined);
      }
      return result;
    } catch (e: unknown) {
      if (isStoreUnavailable(e)) throw new Unavailable("store", e);
      if (isClusterUnreachable(e)) {
        await this.#defer(id, e);
        throw new Unavailable("cluster", e);
      }
      throw e;
    }
  }

  async #reconcile(id: string, signal: AbortSignal): Promise<ReconcileResult> {
    const { store } = this.#o;
    const stack = await store.stacks.get(id);
    if (!stack || stack.removedAt !== null) return done;
    // An agent cluster's agent applies its stacks; the control plane holds no way in.
    if ((await store.catalog.clusterMode(stack.cluster)) === "agent") return done;
    const ttl = this.#o.claimTtlMs ?? 30_000;
    if (!(await store.work.claim(id, this.#o.holder, ttl))) return requeueAfter(Math.min(ttl / 2, 5_000));
    this.claimed.add(id);
    const cluster = await this.#o.clusters.connect(stack.cluster);
    const writer = new StackWriter(cluster, signal);
    let live = await writer.get(stack.namespace, stack.name);
    if (live && stackIdOf(live) !== id) {
      throw new TerminalError(
        "NameTaken",
        `a Stack ${stack.namespace}/${stack.name} exists in cluster ${stack.cluster} that this stack did not create`,
      );
    }
    if (stack.desiredState === "Deleted") return this.#delete(stack, live, writer);

    const template = await store.catalog.getTemplate(stack.template, stack.templateVersion);
    if (!template) {
      throw new TerminalError(
        "TemplateNotFound",
        `template ${stack.template} ${stack.templateVersion} is gone`,
      );
    }
    const built = buildStackResource(stack, template);
    if (!built.ok) {
      const problems = built.problems.map((p) => `${p.path || "params"} ${p.message}`).join("; ");
      throw new TerminalError("InvalidParams", `the stored params do not validate: ${problems}`);
    }
    const desired = built.object;
    const enforce = stack.drift.policy !== "ignore";
    const edit = editOf(desired, live, stack.generation);
    if (live && edit) {
      const outcome = await this.#handleDrift(stack, template, desired, live, edit, writer);
      if (outcome === "adopted") return requeueAfter(0);
      if (outcome === "reverted") {
        live = await writer.get(stack.namespace, stack.name);
        // Someone edited again while we reverted: the next reconcile records it, rather than the
        // apply below putting it back unrecorded.
        if (editOf(desired, live, stack.generation)) return requeueAfter(0);
      }
    }
    if (needsApply(withAppliedHash(desired), live, enforce) && this.#started.get(id) !== stack.generation) {
      await this.#record(stack, "ReconcileStarted", { generation: stack.generation });
      this.#started.set(id, stack.generation);
    }
    live = (await applyIfChanged(writer, desired, live, enforce)).live;
    return this.#checkApplied(stack, live);
  }

  /** Marks the generation applied once the operator has observed the Stack that carries it. */
  async #checkApplied(stack: StackRecord, live: Stack | undefined): Promise<ReconcileResult> {
    if (stack.lastAppliedGeneration >= stack.generation) return done;
    if (!live || appliedGenerationOf(live) !== stack.generation) return requeueAfter(observePollMs);
    const observed = live.status?.observedGeneration ?? 0;
    if (observed < (live.metadata.generation ?? Number.MAX_SAFE_INTEGER)) return requeueAfter(observePollMs);
    await this.#o.store.stacks.markApplied(stack.id, stack.generation);
    await this.#record(stack, "ReconcileSucceeded", {
      generation: stack.generation,
      resourceGeneration: live.metadata.generation,
      phase: live.status?.phase ?? null,
    });
    return done;
  }

  async #delete(stack: StackRecord, live: Stack | undefined, writer: StackWriter): Promise<ReconcileResult> {
    if (live) {
      if (!live.metadata.deletionTimestamp) {
        if (this.#started.get(stack.id) !== stack.generation) {
          await this.#record(stack, "ReconcileStarted", { generation: stack.generation, action: "Delete" });
          this.#started.set(stack.id, stack.generation);
        }
        await writer.delete(live);
      }
      return requeueAfter(2_000);
    }
    await this.#o.store.stacks.markRemoved(stack.id, "reconciler");
    this.claimed.delete(stack.id);
    this.#started.delete(stack.id);
    return done;
  }

  /**
   * An edit of the Stack resource by someone else, per drift policy. Returns
   * "adopted" when the desired state changed (the caller starts over).
   */
  async #handleDrift(
    stack: StackRecord,
    template: TemplateRecord,
    desired: Stack,
    live: Stack,
    edit: ForeignEdit,
    writer: StackWriter,
  ): Promise<"reverted" | "ignored" | "adopted"> {
    const { fields, actor } = edit;
    const resource = { kind: "Stack", name: live.metadata.name, namespace: live.metadata.namespace };
    switch (stack.drift.policy) {
      case "ignore": {
        const seen = configHash(live.spec);
        if (this.#ignored.get(stack.id) !== seen) {
          await this.#record(
            stack,
            "DriftIgnored",
            { ...resource, fields, manager: actor },
            actor,
            "k8s_watch",
          );
          this.#ignored.set(stack.id, seen);
        }
        return "ignored";
      }
      case "adopt": {
        const other = fields.filter((f) => !f.startsWith("/spec/params/"));
        const check = checkAdoption(template, desired.spec.params ?? {}, live.spec.params ?? {});
        if (other.length === 0 && check.forbidden.length === 0 && check.allowed.length > 0) {
          const params = adoptParams(stack.params, live.spec.params ?? {}, check.allowed);
          try {
            await this.#o.store.stacks.change(stack.id, {
              actor,
              source: "k8s_watch",
              type: "DesiredAdoptedFromCluster",
              expectedGeneration: stack.generation,
              params,
              data: { ...resource, fields: check.allowed.map((p) => `/spec/params${p}`) },
            });
          } catch (e: unknown) {
            // Someone changed the stack meanwhile: start over from the new desired state.
            if (!(e instanceof StoreError && e.code === "StaleGeneration")) throw e;
          }
          return "adopted";
        }
        const forbidden = [...other, ...check.forbidden.map((p) => `/spec/params${p}`)];
        await this.#record(
          stack,
          "AdoptionRejected",
          { ...resource, fields, forbidden, params: paramPointers(fields), manager: actor },
          actor,
          "k8s_watch",
        );
        break;
      }
      case "enforce":
        await this.#record(
          stack,
          "ResourceModifiedExternally",
          { ...resource, fields, manager: actor },
          actor,
          "k8s_watch",
        );
        break;
    }
    await revertEdit(writer, desired, live);
    await this.#record(
      stack,
      "DriftCorrected",
      { ...resource, fields, manager: actor, by: "control-plane" },
      "stackwarden-control-plane",
    );
    return "reverted";
  }

  async #defer(id: string, e: unknown): Promise<void> {
    if (this.#deferred.has(id)) return;
    this.#deferred.add(id);
    this.#o.log.warn(
      { stackId: id, error: e instanceof Error ? e.message : String(e) },
      "cluster unreachable; deferring",
    );
    await this.#o.store.stacks
      .record([
        {
          stackId: id,
          source: "reconciler",
          type: "ReconcileDeferred",
          actor: "reconciler",
          data: { reason: "ClusterUnreachable", error: e instanceof Error ? e.message : String(e) },
        },
      ])
      .catch(() => this.#deferred.delete(id));
  }

  async #record(
    stack: StackRecord,
    type: NewEvent["type"],
    data: Record<string, unknown>,
    actor = "reconciler",
    source: NewEvent["source"] = "reconciler",
  ): Promise<void> {
    await this.#o.store.stacks.record([{ stackId: stack.id, source, type, actor, data }]);
  }

  /** Gives back every claim this replica holds (best effort, on shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all(
      [...this.claimed].map((id) => this.#o.store.work.release(id, this.#o.holder).catch(() => undefined)),
    );
    this.claimed.clear();
  }
}
