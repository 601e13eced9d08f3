import type { Logger } from "pino";
import type { Stack } from "../../api/stack.ts";
import { done, requeueAfter, type ReconcileResult, type Reconciler } from "../../engine/result.ts";
import type { KubeObject } from "../../api/object.ts";
import { componentLabel } from "../../resources/labels.ts";
import type { ResourceChanges, SeenResource } from "../store/observed-store.ts";
import type { NewEvent, ObservedRecord, ResourceRecord, StackRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { ClusterWatch, KubeEvent } from "./cluster-watch.ts";
import { observationChanged, observationOf, summaryOf } from "./observed-status.ts";
import { operatorCorrection } from "./operator-correction.ts";
import { warningEvent } from "./warning-event.ts";
import type { ObserverHealth, ObserverStage } from "./observer-health.ts";

/** How a {@link StackObserver} is made. */
export interface StackObserverOptions {
  readonly store: Store;
  readonly cluster: ClusterWatch;
  readonly log: Logger;
  /** Where failed passes are logged, counted and reported. */
  readonly health: ObserverHealth;
}

type Emit = (type: NewEvent["type"], data: Record<string, unknown>, actor?: string) => void;

/**
 * The cluster → DB observer of one stack id, level-based like a reconcile:
 * from the caches of its cluster it writes the stack's managed objects by UID
 * (`stack_resources`), the observed cache, the status summary, and appends
 * an event for each meaningful transition — ResourceCreated (a new UID),
 * ResourceDeletedExternally (a UID gone that nobody asked us to delete),
 * PhaseChanged, the operator's drift corrections (ResourceModifiedExternally
 * and DriftCorrected), and Warning Kubernetes Events about the Stack or its
 * children. Each transition is
 * judged against what the store already holds, so a resync that finds
 * nothing new writes no event, and a restart loses nothing. The rows and the
 * events of a pass are written in one transaction: a pass that fails wrote
 * nothing, and the retry finds the same transitions and records each once.
 */
export class StackObserver implements Reconciler {
  readonly #o: StackObserverOptions;
  /** The operator's last correction recorded, per stack (seeded from the store). */
  readonly #corrections = new Map<string, string>();
  /** Warning Events recorded (uid:count), per stack (seeded from the store). */
  readonly #warnings = new Map<string, Set<string>>();

  constructor(options: StackObserverOptions) {
    this.#o = options;
  }

  async reconcile(id: string): Promise<ReconcileResult> {
    const { store, cluster, health } = this.#o;
    if (!cluster.synced) return requeueAfter(1_000);
    let stage: ObserverStage = "read";
    try {
      const record = await store.stacks.get(id);
      if (!record || record.cluster !== cluster.name) return done;
      // Converted to an agent cluster: its agent reports it now.
      if ((await store.catalog.clusterMode(record.cluster)) === "agent") return done;
      const live = cluster.stackOf(id);
      const events: NewEvent[] = [];
      const event: Emit = (type, data, actor = "k8s_watch") => {
        events.push({ stackId: id, source: "k8s_watch", type, actor, data });
      };
      let observed: Omit<ObservedRecord, "observedAt"> | undefined;
      if (live) {
        const observation = observationOf(id, live);
        const before = await store.observed.observed(id);
        if (observationChanged(before, observation)) observed = observation;
        if (observation.phase !== null && before?.phase !== observation.phase) {
          event("PhaseChanged", {
            from: before?.phase ?? null,
            to: observation.phase,
            generation: record.generation,
            resourceGeneration: observation.resourceGeneration,
            ...(observation.message ? { message: observation.message } : {}),
          });
        }
        await this.#operatorCorrections(id, live, event);
        await this.#warningEvents(id, cluster.warningsOf(id, live), event);
      }
      stage = "write";
      await store.recordObservation({
        stackId: id,
        seen: seenResources(live, cluster.childrenOf(id)),
        ...(observed ? { observed } : {}),
        ...(live ? { summary: summaryOf(live) } : {}),
        events: (changes) => [...resourceEvents(record, live, changes), ...events],
      });
      health.wrote();
      return done;
    } catch (e: unknown) {
      // Not recorded: forget what this pass marked as seen, so the next pass finds it again.
      this.#corrections.delete(id);
      this.#warnings.delete(id);
      health.failed(id, stage, e);
      throw e;
    }
  }

  /** The operator's newest drift correction, when the store does not have it yet. */
  async #operatorCorrections(id: string, live: Stack, event: Emit): Promise<void> {
    const correction = operatorCorrection(live);
    if (!correction) return;
    if (!this.#corrections.has(id)) {
      const recorded = await this.#o.store.events({ stackId: id, types: ["DriftCorrected"], limit: 50 });
      const newest = recorded.find((e) => e.data["by"] === "operator");
      const time = newest?.data["time"];
      this.#corrections.set(id, typeof time === "string" ? time : "");
    }
    if (this.#corrections.get(id) === correction.time) return;
    for (const e of correction.events) event(e.type, e.data, e.actor);
    this.#corrections.set(id, correction.time);
  }

  /** Warning Events about the Stack or its children that the store does not have yet (by uid and count). */
  async #warningEvents(id: string, events: readonly KubeEvent[], event: Emit): Promise<void> {
    if (events.length === 0) return;
    let seen = this.#warnings.get(id);
    if (!seen) {
      const recorded = await this.#o.store.events({ stackId: id, types: ["KubernetesEvent"], limit: 500 });
      seen = new Set(recorded.map((e) => `${String(e.data["uid"])}:${String(e.data["count"])}`));
      this.#warnings.set(id, seen);
    }
    for (const w of events) {
      const { key, data } = warningEvent(w);
      if (seen.has(key)) continue;
      seen.add(key);
      event("KubernetesEvent", data);
    }
  }
}

/** Every object of the stack that exists now: the Stack, its watched children, and its Secrets. */
/** The objects of a stack as seen now: its Stack, its watched children, and the Secrets its status names (shared with the agent). */
export function seenResources(live: Stack | undefined, children: readonly KubeObject[]): SeenResource[] {
  const health = new Map((live?.status?.resources ?? []).map((r) => [r.uid, r.health]));
  // Secrets are not watched (the control plane may not read them): the operator's status names them.
  const secrets = (live?.status?.resources ?? [])
    .filter((r) => r.kind === "Secret")
    .map((r) => ({
      apiVersion: r.apiVersion,
      kind: r.kind,
      namespace: r.namespace ?? live?.metadata.namespace ?? "",
      name: r.name,
      uid: r.uid,
      component: r.component,
      health: r.health,
    }));
  const seen: SeenResource[] = [...(live ? [live] : []), ...children].map((o) => ({
    apiVersion: o.apiVersion ?? "",
    kind: o.kind ?? "",
    namespace: o.metadata.namespace ?? "",
    name: o.metadata.name,
    uid: o.metadata.uid ?? "",
    component: o.metadata.labels?.[componentLabel] ?? "",
    health: o === live ? (live.status?.phase ?? "Unknown") : (health.get(o.metadata.uid ?? "") ?? "Unknown"),
  }));
  return [...seen, ...secrets];
}

/**
 * ResourceDeletedExternally for each UID gone that nobody asked us to delete
 * (not while the stack is being deleted), and ResourceCreated for each new
 * UID, naming the UID it replaces (one just removed, else the newest deleted
 * earlier of that kind and name).
 */
function resourceEvents(record: StackRecord, live: Stack | undefined, changes: ResourceChanges): NewEvent[] {
  const { added, removed, gone } = changes;
  const events: NewEvent[] = [];
  const event = (type: NewEvent["type"], data: Record<string, unknown>): void =>
    void events.push({ stackId: record.id, source: "k8s_watch", type, actor: "k8s_watch", data });
  const deleting = record.desiredState === "Deleted" || live?.metadata.deletionTimestamp !== undefined;
  const same = (a: ResourceRecord, b: ResourceRecord): boolean => a.kind === b.kind && a.name === b.name;
  const declared = new Set((live?.status?.resources ?? []).map((r) => `${r.kind}/${r.name}`));
  for (const r of removed) {
    const replacement = added.find((a) => same(a, r));
    const external =
      !deleting && (r.kind === "Stack" || replacement !== undefined || declared.has(`${r.kind}/${r.name}`));
    if (!external) continue;
    event("ResourceDeletedExternally", {
      kind: r.kind,
      name: r.name,
      namespace: r.namespace,
      uid: r.uid,
      ...(replacement ? { replacedBy: replacement.uid } : {}),
    });
  }
  for (const a of added) {
    const replaces = removed.find((r) => same(a, r)) ?? gone.find((r) => same(a, r));
    event("ResourceCreated", {
      kind: a.kind,
      name: a.name,
      namespace: a.namespace,
      uid: a.uid,
      component: a.component,
      ...(replaces ? { replaces: replaces.uid } : {}),
    });
  }
  return events;
}
