import type { Stack } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import type { ResourceType } from "../../api/resource-type.ts";
import type { LiveObjects } from "../../kube/apply.ts";
import type { Reflector } from "../../kube/reflector.ts";
import { managedByLabel, managedByValue, stackLabel } from "../../resources/labels.ts";
import type { Manager } from "../manager.ts";
import { ownedKinds } from "../../resources/owned-kinds.ts";
import { foreignEntry, stripManagedFields } from "../../kube/cache-transform.ts";

/** The caches of a stack's children, one per owned kind and watched namespace (or one for all). */
export interface ChildCaches {
  /** For apply: the freshest copy, and read-your-writes of our writes and deletions. */
  readonly live: LiveObjects;
  /** The cached child of a kind in a namespace, or undefined. */
  get(kind: string, namespace: string, name: string): KubeObject | undefined;
  /** The cached children of a stack: labelled with its name and owned by its UID. */
  childrenOf(stack: Stack): KubeObject[];
  /** Every cache, for wiring their handlers. */
  readonly reflectors: readonly Reflector[];
}

// Drift detection reads other managers' managedFields entries (find-drift.ts); ours, the biggest,
// and the status entries are dropped from the cache (docs/performance.md).
const transform = stripManagedFields(foreignEntry);

/**
 * Creates (through the manager, which shares and starts them) the child caches for `scopes`: a
 * namespace each, or `[undefined]` for all namespaces. Every scope gets the same caches.
 */
export function childCaches(manager: Manager, scopes: ReadonlyArray<string | undefined>): ChildCaches {
  const byKind = new Map<string, Reflector[]>();
  for (const [apiVersion, kind] of ownedKinds) {
    const type = manager.types.known(apiVersion, kind)!;
    const selector = `${managedByLabel}=${managedByValue}`;
    byKind.set(
      kind,
      scopes.map((namespace) =>
        manager.reflector(type, { ...(namespace ? { namespace } : {}), labelSelector: selector, transform }),
      ),
    );
  }
  const cacheFor = (kind: string, namespace: string | undefined): Reflector | undefined => {
    const i = scopes.findIndex((s) => s === undefined || s === namespace);
    return i < 0 ? undefined : byKind.get(kind)?.[i];
  };
  const get = (kind: string, namespace: string, name: string): KubeObject | undefined =>
    cacheFor(kind, namespace)?.store.get(`${namespace}/${name}`);
  return {
    live: {
      get: (type: ResourceType, namespace, name) => (namespace ? get(type.kind, namespace, name) : undefined),
      written: (type, object) =>
        cacheFor(type.kind, object.metadata.namespace)?.store.recordWrite(transform(object)),
      deleted: (type, object) => cacheFor(type.kind, object.metadata.namespace)?.store.recordDelete(object),
    },
    get,
    childrenOf: (stack) => {
      const namespace = stack.metadata.namespace ?? "default";
      return [...byKind.keys()].flatMap((kind) =>
        (
          cacheFor(kind, namespace)?.store.list({
            namespace,
            labelSelector: `${stackLabel}=${stack.metadata.name}`,
          }) ?? []
        ).filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === stack.metadata.uid)),
      );
    },
    reflectors: [...byKind.values()].flat(),
  };
}
