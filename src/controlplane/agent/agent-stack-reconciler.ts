import type { Logger } from "pino";
import { TerminalError } from "../../engine/errors.ts";
import { done, requeueAfter, type ReconcileResult, type Reconciler } from "../../engine/result.ts";
import { configHash } from "../../kube/desired-state.ts";
import type { ClusterWatch } from "../observers/cluster-watch.ts";
import { observationOf, summaryOf } from "../observers/observed-status.ts";
import { operatorCorrection } from "../observers/operator-correction.ts";
import { warningEvent } from "../observers/warning-event.ts";
import { seenResources } from "../observers/stack-observer.ts";
import { applyIfChanged, editOf, revertEdit } from "../reconciler/stack-convergence.ts";
import { StackWriter } from "../reconciler/stack-writer.ts";
import { appliedGenerationOf, stackIdOf } from "../stack-resource.ts";
import type { EventType } from "../store/records.ts";
import type { ObservationBuffer } from "./observation-buffer.ts";
import type { DesiredStack } from "./protocol.ts";

/** How an {@link AgentStackReconciler} is made. */
export interface AgentStackReconcilerOptions {
  readonly cluster: ClusterWatch;
  /** The desired stacks as last received from the control plane, by id. */
  readonly desired: () => ReadonlyMap<string, DesiredStack>;
  readonly buffer: ObservationBuffer;
  readonly log: Logger;
}

/** How often to look again while the operator has not yet observed what was applied. */
const observePollMs = 5_000;

/**
 * The agent's reconcile of one stack id, in its own cluster: the direct
 * reconciler's apply path ({@link applyIfChanged}, {@link revertEdit}) on the
 * Stack resource the control plane built, and, instead of writing a store,
 * observations into the on-disk buffer: drift (ResourceModifiedExternally then
 * DriftCorrected, or DriftIgnored), the observed cache and the stack's
 * objects by UID when they change, the generation once the operator observed
 * it, removal once a deleted stack is gone, and, as the direct observer
 * records them, the operator's corrections of the stack's children
 * (ResourceModifiedExternally, DriftCorrected `by: operator`) and Warning
 * Events about the Stack or its children (KubernetesEvent). Those two carry
 * `once` (the correction's time, the Event's uid:count): an agent that
 * restarted, and so sends them again, gets them recorded once. An out-of-band edit under
 * `adopt` is reverted like `enforce` (adoption needs the catalog's guardrails,
 * which stay in the control plane).
 */
export class AgentStackReconciler implements Reconciler {
  readonly #o: AgentStackReconcilerOptions;
  /** What was last sent per stack (observed state, applied generation, ignored edit, removal). */
  readonly #sent = new Map<string, string>();
  readonly #applied = new Map<string, number>();
  readonly #ignored = new Map<string, string>();
  readonly #removed = new Set<string>();
  readonly #phases = new Map<string, string | null>();
  /** The operator's last correction sent (its time), per stack. */
  readonly #corrections = new Map<string, string>();
  /** Warning Events sent (uid:count), per stack. */
  readonly #warnings = new Map<string, Set<string>>();

  constructor(options: AgentStackReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(id: string, signal: AbortSignal): Promise<ReconcileResult> {
    const { cluster } = this.#o;
    if (!cluster.synced) return requeueAfter(500);
    const d = this.#o.desired().get(id);
    if (!d) return done;
    const writer = new StackWriter(cluster, signal);
    let live = await writer.get(d.namespace, d.name);
    if (live && stackIdOf(live) !== id) {
      throw new TerminalError(
        "NameTaken",
        `a Stack ${d.namespace}/${d.name} exists that this stack did not create`,
      );
    }
    if (d.desiredState === "Deleted") {
      if (live) {
        if (!live.metadata.deletionTimestamp) await writer.delete(live);
        return requeueAfter(2_000);
      }
      if (!this.#removed.has(id)) await this.#o.buffer.append({ stackId: id, kind: "removed" });
      this.#removed.add(id);
      return done;
    }
    if (d.resource === null) return done; // the control plane refused it and recorded why
    const edit = editOf(d.resource, live, d.generation);
    if (live && edit) {
      const data = {
        kind: "Stack",
        namespace: d.namespace,
        name: d.name,
        fields: edit.fields,
        manager: edit.actor,
      };
      if (d.driftPolicy === "ignore") {
        const spec = configHash(live.spec);
        if (this.#ignored.get(id) !== spec) await this.#event(id, "DriftIgnored", data, edit.actor);
        this.#ignored.set(id, spec);
      } else {
        await this.#event(id, "ResourceModifiedExternally", data, edit.actor);
        await revertEdit(writer, d.resource, live);
        await this.#event(id, "DriftCorrected", { ...data, by: "agent" }, `agent:${cluster.name}`);
        live = await writer.get(d.namespace, d.name);
        // An edit made while we reverted is the next reconcile's to record, not ours to apply over.
        if (editOf(d.resource, live, d.generation)) return requeueAfter(0);
      }
    }
    live = (await applyIfChanged(writer, d.resource, live, d.driftPolicy !== "ignore")).live;
    if (!live) return requeueAfter(observePollMs);
    await this.#observe(id, live);
    await this.#operatorReports(id, live);
    const observed = live.status?.observedGeneration ?? 0;
    if (appliedGenerationOf(live) !== d.generation || observed < (live.metadata.generation ?? Infinity)) {
      return requeueAfter(observePollMs);
    }
    if (this.#applied.get(id) !== d.generation) {
      await this.#o.buffer.append({ stackId: id, kind: "applied", generation: d.generation });
      this.#applied.set(id, d.generation);
    }
    return done;
  }

  /** Sends the observed cache and the objects by UID when either changed since last sent. */
  async #observe(id: string, live: NonNullable<ReturnType<ClusterWatch["stackOf"]>>): Promise<void> {
    const { stackId: _, ...observed } = observationOf(id, live);
    const seen = seenResources(live, this.#o.cluster.childrenOf(id));
    const key = JSON.stringify([observed, seen.map((s) => `${s.uid}:${s.health}`).sort()]);
    if (this.#sent.get(id) === key) return;
    const phase = this.#phases.get(id);
    if (observed.phase !== null && phase !== observed.phase) {
      const data = {
        from: phase ?? null,
        to: observed.phase,
        resourceGeneration: observed.resourceGeneration,
      };
      await this.#event(id, "PhaseChanged", data, "k8s_watch");
    }
    await this.#o.buffer.append({ stackId: id, kind: "observed", observed, summary: summaryOf(live), seen });
    this.#sent.set(id, key);
    this.#phases.set(id, observed.phase);
  }

  /** The operator's newest correction and the Warning Events of the stack, when not sent yet. */
  async #operatorReports(id: string, live: NonNullable<ReturnType<ClusterWatch["stackOf"]>>): Promise<void> {
    const correction = operatorCorrection(live);
    if (correction && this.#corrections.get(id) !== correction.time) {
      for (const e of correction.events) {
        await this.#event(id, e.type, { ...e.data, once: correction.time }, e.actor);
      }
      this.#corrections.set(id, correction.time);
    }
    let sent = this.#warnings.get(id);
    if (!sent) this.#warnings.set(id, (sent = new Set()));
    for (const w of this.#o.cluster.warningsOf(id, live)) {
      const { key, data } = warningEvent(w);
      if (sent.has(key)) continue;
      await this.#event(id, "KubernetesEvent", { ...data, once: key }, "k8s_watch");
      sent.add(key);
    }
  }

  async #event(id: string, type: EventType, data: Record<string, unknown>, actor: string): Promise<void> {
    await this.#o.buffer.append({
      stackId: id,
      kind: "event",
      type,
      actor,
      data: { ...data, at: new Date().toISOString() },
    });
    this.#o.log.info({ stackId: id, type }, "observed");
  }
}
