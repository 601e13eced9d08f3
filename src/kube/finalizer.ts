import type { ReconcileResult } from "../engine/result.ts";
import type { KubeClient } from "./client.ts";
import { isConflict, isInvalid, isNotFound } from "./errors.ts";
import { resourcePath } from "./resource-type.ts";
import { type ResourceType } from "../api/resource-type.ts";
import type { KubeObject } from "../api/object.ts";

export interface FinalizerOptions<T extends KubeObject> {
  readonly client: KubeClient;
  readonly type: ResourceType;
  readonly object: T;
  /** Our finalizer, e.g. `stackwarden.dev/finalizer`. */
  readonly finalizer: string;
  /** The normal reconcile, run once the finalizer is in place. */
  readonly apply: (object: T) => Promise<ReconcileResult>;
  /** Tear-down while the object is being deleted; `done` lets the finalizer go. */
  readonly cleanup: (object: T) => Promise<ReconcileResult>;
  readonly signal?: AbortSignal;
  readonly written?: (object: KubeObject) => void;
}

/**
 * The one place that owns deletion. The four cases:
 *
 * | finalizer | deleting | what happens |
 * |---|---|---|
 * | absent | no | add it (append with a JSON patch guarded by a `test` of the list as read, so it is never added twice and others' are never rewritten), then `apply` |
 * | present | no | `apply` |
 * | present | yes | `cleanup`; when it returns `done`, remove our finalizer with a JSON patch `test` + `remove` at its index, so a concurrent change to the list fails the patch instead of dropping someone else's finalizer |
 * | absent | yes | nothing: the object is going and is not ours to hold |
 *
 * A failed `test` (the list moved) re-reads and retries.
 */
export async function withFinalizer<T extends KubeObject>(
  options: FinalizerOptions<T>,
): Promise<ReconcileResult> {
  const { object, finalizer } = options;
  const has = object.metadata.finalizers?.includes(finalizer) ?? false;
  const deleting = object.metadata.deletionTimestamp !== undefined;
  if (!deleting && !has) return options.apply(await addFinalizer(options));
  if (!deleting) return options.apply(object);
  if (!has) return { type: "done" };
  const result = await options.cleanup(object);
  if (result.type === "done") await removeFinalizer(options);
  return result;
}

async function patch<T extends KubeObject>(options: FinalizerOptions<T>, ops: unknown[]): Promise<T> {
  const { type, object } = options;
  const updated = await options.client.request<T>(
    "PATCH",
    resourcePath(type, object.metadata.namespace, object.metadata.name),
    {
      body: ops,
      contentType: "application/json-patch+json",
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  options.written?.(updated);
  return updated;
}

async function addFinalizer<T extends KubeObject>(options: FinalizerOptions<T>): Promise<T> {
  let current: T = options.object;
  for (let attempt = 0; attempt < 5; attempt++) {
    const list = current.metadata.finalizers;
    if (list?.includes(options.finalizer)) return current;
    try {
      return await patch(
        { ...options, object: current },
        list === undefined
          ? // No list yet: create it, guarded by the resourceVersion so a list made meanwhile is not replaced.
            [
              { op: "test", path: "/metadata/resourceVersion", value: current.metadata.resourceVersion },
              { op: "add", path: "/metadata/finalizers", value: [options.finalizer] },
            ]
          : // Kubernetes does not deduplicate finalizers: append only to the list as we read it.
            [
              { op: "test", path: "/metadata/finalizers", value: list },
              { op: "add", path: "/metadata/finalizers/-", value: options.finalizer },
            ],
      );
    } catch (e: unknown) {
      // A failed test is 422 Invalid: the list moved. Re-read; it may hold ours already.
      if (!isInvalid(e) && !isConflict(e)) throw e;
      current = await reread(options, current);
    }
  }
  throw new Error(`could not add finalizer ${options.finalizer}: its list kept changing`);
}

async function reread<T extends KubeObject>(options: FinalizerOptions<T>, current: T): Promise<T> {
  return options.client.request<T>(
    "GET",
    resourcePath(options.type, current.metadata.namespace, current.metadata.name),
    {
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}

async function removeFinalizer<T extends KubeObject>(options: FinalizerOptions<T>): Promise<void> {
  let current: T = options.object;
  for (let attempt = 0; attempt < 5; attempt++) {
    const index = current.metadata.finalizers?.indexOf(options.finalizer) ?? -1;
    if (index < 0) return;
    try {
      await patch({ ...options, object: current }, [
        { op: "test", path: `/metadata/finalizers/${index}`, value: options.finalizer },
        { op: "remove", path: `/metadata/finalizers/${index}` },
      ]);
      return;
    } catch (e: unknown) {
      if (isNotFound(e)) return;
      // A failed test is 422 Invalid; a stale resourceVersion is 409: re-read and retry.
      if (!isInvalid(e) && !isConflict(e)) throw e;
      try {
        current = await reread(options, current);
      } catch (readError: unknown) {
        if (isNotFound(readError)) return;
        throw readError;
      }
    }
  }
  throw new Error(`could not remove finalizer ${options.finalizer}: its list kept changing`);
}
