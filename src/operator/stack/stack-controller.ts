import { stackResourceType, type Stack } from "../../api/stack.ts";
import { stackCrd } from "../../api/crd.ts";
import type { KubeObject } from "../../api/object.ts";
import type { Controller } from "../../engine/controller.ts";
import type { Reflector } from "../../kube/reflector.ts";
import type { KindBinding, ReadReference } from "../kind-binding.ts";
import { kindMetrics } from "../kind-metrics.ts";
import type { Manager } from "../manager.ts";
import { childCaches, type ChildCaches } from "./child-caches.ts";
import { StackOperatorReconciler, stackFinalizer } from "./reconcile-stack.ts";
import { recordFailure } from "./record-failure.ts";
import { stackMetrics, type StackMetrics } from "./stack-metrics.ts";
import { stripManagedFields } from "../../kube/cache-transform.ts";

/** How {@link registerStackControllers} runs its controllers. */
export interface StackControllerOptions {
  /** Watch only these namespaces; all when empty. */
  readonly namespaces?: readonly string[];
  readonly maxConcurrentReconciles?: number;
  readonly now?: () => number;
}

/** The generic Stack kind, bound to the engine as itself. */
export const stackBinding: KindBinding = {
  type: stackResourceType,
  finalizer: stackFinalizer,
  crd: stackCrd,
  asStack: (object) => object as Stack,
};

/** Consecutive failed reconciles after which a stack is reported Failed. */
const failedAfter = 5;

/** One bound kind: its caches (one per watched namespace, or one for all) and how to read them. */
interface Served {
  readonly binding: KindBinding;
  readonly caches: readonly Reflector[];
  readonly get: (key: string) => KubeObject | undefined;
  /** The cache watching a namespace. */
  readonly cacheOf: (namespace: string | undefined) => Reflector | undefined;
  /** The caches of the kinds it refers to (every type, every scope). */
  readonly referenced: readonly Reflector[];
}

/**
 * Registers one controller per bound kind on a manager (the generic Stack by default). Wiring
 * only: each kind's caches and those of every child kind (our managed-by label only) for every
 * watched namespace alike, the reconciler, and handlers that turn a child's change into its
 * owner's key and nothing else. Drift is found by the reconcile, which runs only on the leader.
 * Returns the controllers, in binding order.
 */
export function registerStackControllers(
  manager: Manager,
  bindings: readonly KindBinding[] = [stackBinding],
  options: StackControllerOptions = {},
): Controller[] {
  const scopes = options.namespaces && options.namespaces.length > 0 ? options.namespaces : [undefined];
  const served = bindings.map((binding) => serve(manager, binding, scopes));
  const children = childCaches(manager, scopes);
  const metrics = stackMetrics(manager.registry, () =>
    served.flatMap((x) =>
      x.caches.flatMap((c) => c.store.list().map((object) => ({ object, view: x.binding.asStack }))),
    ),
  );
  const controllers = served.map((x) => addKindController(manager, x, children, metrics, options));
  served.forEach((x, i) => {
    for (const cache of x.referenced) {
      cache.on((event) => {
        for (const key of referrers(x, cache.kind, event.object)) controllers[i]!.queue.add(key);
      });
    }
  });
  for (const cache of children.reflectors) {
    cache.on((event) => {
      const owner = ownerKey(served, event.object);
      if (owner) controllers[owner.index]!.queue.add(owner.key);
    });
  }
  return controllers;
}

function serve(manager: Manager, binding: KindBinding, scopes: ReadonlyArray<string | undefined>): Served {
  manager.types.register(binding.type);
  // Nothing of the operator reads a primary's managedFields: the cache keeps none.
  const caches = scopes.map((namespace) =>
    manager.reflector(binding.type, { ...(namespace ? { namespace } : {}), transform: stripManagedFields() }),
  );
  const cacheOf = (namespace: string | undefined): Reflector | undefined => {
    const i = scopes.findIndex((s) => s === undefined || s === namespace);
    return i < 0 ? undefined : caches[i];
  };
  const get = (key: string): KubeObject | undefined => cacheOf(key.split("/")[0])?.store.get(key);
  const references = binding.references;
  if (!references) return { binding, caches, get, cacheOf, referenced: [] };
  const byType = references.types.map((type) => {
    const own = scopes.map((namespace) =>
      manager.reflector(type, { ...(namespace ? { namespace } : {}), transform: stripManagedFields() }),
    );
    return { type, own };
  });
  const read: ReadReference = (type, namespace, name) => {
    const entry = byType.find((t) => t.type.kind === type.kind && t.type.group === type.group);
    const i = scopes.findIndex((s) => s === undefined || s === namespace);
    return i < 0 ? undefined : entry?.own[i]?.store.get(`${namespace}/${name}`);
  };
  return {
    binding: references.bind(read),
    caches,
    get,
    cacheOf,
    referenced: byType.flatMap((t) => t.own),
  };
}

/** The keys of the served objects in `referenced`'s namespace that refer to it (`Kind/name`). */
function referrers(x: Served, kind: string, referenced: KubeObject): string[] {
  const namespace = referenced.metadata.namespace;
  const of = x.binding.references?.of;
  if (!of || !namespace) return [];
  const ref = `${kind}/${referenced.metadata.name}`;
  return (x.cacheOf(namespace)?.store.list() ?? [])
    .filter((o) => o.metadata.namespace === namespace && of(o).includes(ref))
    .map((o) => `${namespace}/${o.metadata.name}`);
}

function addKindController(
  manager: Manager,
  { binding, caches, get, cacheOf }: Served,
  children: ChildCaches,
  metrics: StackMetrics,
  options: StackControllerOptions,
): Controller {
  const now = options.now ?? Date.now;
  const own = binding.metricsPrefix
    ? kindMetrics(manager.registry, binding.metricsPrefix, () => caches.flatMap((c) => c.store.list()))
    : undefined;
  const reconciler = new StackOperatorReconciler({
    apply: { client: manager.client, types: manager.types, live: children.live },
    binding,
    stacks: {
      get,
      written: (o) => cacheOf(o.metadata.namespace)?.store.recordWrite(o),
    },
    children: (stack) => children.childrenOf(stack),
    child: (kind, namespace, name) => children.get(kind, namespace, name),
    events: manager.events,
    redactor: manager.redactor,
    log: manager.log,
    now,
    metrics,
    ...(own ? { onTransition: own.transition } : {}),
    failedAfter,
  });
  const context = {
    client: manager.client,
    binding,
    redactor: manager.redactor,
    log: manager.log,
    now,
    failedAfter,
  };
  return manager.addController(caches, {
    name: binding.type.kind.toLowerCase(),
    reconciler: own ? own.timed(reconciler) : reconciler,
    maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4,
    onFailure: async (key, error, failures, errorClass, failed) => {
      const object = get(key);
      if (!object) return;
      own?.error(object, errorClass);
      await recordFailure(context, object, { error, failures, errorClass, failed });
    },
  });
}

/** The key of the object's controlling owner among the served kinds, and which kind it is. */
function ownerKey(served: readonly Served[], o: KubeObject): { key: string; index: number } | undefined {
  for (const r of o.metadata.ownerReferences ?? []) {
    if (!r.controller || !o.metadata.namespace) continue;
    const index = served.findIndex(
      (x) =>
        x.binding.type.kind === r.kind &&
        `${x.binding.type.group}/${x.binding.type.version}` === r.apiVersion,
    );
    if (index >= 0) return { key: `${o.metadata.namespace}/${r.name}`, index };
  }
  return undefined;
}
