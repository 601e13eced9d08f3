import type { Stack, StackStatus } from "../api/stack.ts";
import type { ResourceType } from "../api/resource-type.ts";
import type { KubeObject } from "../api/object.ts";
import type { StatusTransaction } from "../engine/status-transaction.ts";

/**
 * What makes a kind a stack: the binding of a custom resource to the Stack
 * engine. The generic `Stack` is bound to itself; a typed kind
 * (`ObservabilityPlatform`, `ChronikCluster`, `Multigres`) is a schema, a
 * template whose parameters are the kind's spec, and a status shape — the
 * engine's own status is kept under `status.stackwarden` and projected into
 * the fields its users already read.
 */
export interface KindBinding<T extends KubeObject = KubeObject> {
  readonly type: ResourceType;
  /** The finalizer the operator holds on objects of this kind. */
  readonly finalizer: string;
  /** The kind's CustomResourceDefinition. */
  readonly crd: () => KubeObject;
  /** The object as the engine sees it: a Stack with a template, parameters and the engine's status. */
  readonly asStack: (object: T) => Stack;
  /**
   * The kind's own status fields for an engine status (phase names, conditions,
   * per-component status, endpoints…). Undefined for the Stack kind, whose
   * status is the engine's status itself.
   */
  readonly projectStatus?: (engine: StackStatus, object: T) => Record<string, unknown>;
  /** Extra checks the engine's validation cannot express, as `/spec/field: message` problems. */
  readonly validate?: (object: T) => readonly string[];
  /** Things allowed but unwise (an even number of controllers), each recorded as a Warning Event `SpecWarning`. */
  readonly warnings?: (object: T) => readonly string[];
  /**
   * The prefix of metrics this kind's users already scrape, e.g. `observability_platform`: the
   * operator then also serves `<prefix>_state_transitions_total`, `<prefix>_reconciliation_duration_seconds`,
   * `<prefix>_component_status` and `<prefix>_errors_total`.
   */
  readonly metricsPrefix?: string;
  /** Other kinds whose objects shape this kind's stacks (MultigresCluster's templates), read from the operator's caches. */
  readonly references?: KindReferences<T>;
}

/** Reads a referenced object of `type` in `namespace` from the operator's caches; undefined when there is none. */
export type ReadReference = (type: ResourceType, namespace: string, name: string) => KubeObject | undefined;

/**
 * Kinds a bound kind reads but does not reconcile: their CRDs are served beside the kind's, the
 * operator watches them (get, list, watch only), and a change to one re-renders every object of
 * the bound kind in its namespace that refers to it.
 */
export interface KindReferences<T extends KubeObject = KubeObject> {
  readonly types: readonly ResourceType[];
  /** Their CustomResourceDefinitions. */
  readonly crds: () => KubeObject[];
  /** The binding reading referenced objects with `read` (the unbound one finds none). */
  readonly bind: (read: ReadReference) => KindBinding<T>;
  /** What an object refers to, as `Kind/name` in its own namespace. */
  readonly of: (object: T) => readonly string[];
}

/** A kind's CRD and those of the kinds it refers to. */
export function kindCrds(binding: KindBinding): KubeObject[] {
  return [binding.crd(), ...(binding.references?.crds() ?? [])];
}

/** The field of a typed kind's status that keeps the engine's status. */
export const engineStatusField = "stackwarden";

/** The binding of the generic Stack kind to the engine: the identity. */
export function isStackBinding(binding: KindBinding): boolean {
  return binding.projectStatus === undefined;
}

/**
 * The engine's status transactions as transactions on an object of the bound kind: for the Stack
 * kind, the transactions themselves; for a typed kind, applied to `status.stackwarden` and then
 * projected into the kind's own fields by `projectStatus`. The one place a typed kind's status is
 * projected, so a status written by a reconcile and one written after a failure have one shape.
 */
export function kindStatusTransactions(
  binding: KindBinding,
  object: KubeObject,
  engine: ReadonlyArray<StatusTransaction<StackStatus>>,
): Array<StatusTransaction<Record<string, unknown>>> {
  const project = binding.projectStatus;
  if (!project) return engine as unknown as Array<StatusTransaction<Record<string, unknown>>>;
  return [
    (s) => {
      const inner = (s[engineStatusField] ?? {}) as StackStatus;
      for (const tx of engine) tx(inner);
      s[engineStatusField] = inner;
      Object.assign(s, project(inner, object));
    },
  ];
}
