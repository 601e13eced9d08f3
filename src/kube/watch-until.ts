/** Waiting on objects through a watch (list, then watch from the list's version), never by sleeping. */
import type { KubeClient, Query } from "./client.ts";
import { isExpired, KubeNetworkError } from "./errors.ts";

/** What {@link watchUntil} watches and for how long. */
export interface WatchUntilOptions {
  /** The collection, e.g. `/api/v1/namespaces/ns/pods`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly timeoutMs: number;
  /** What is awaited, for the timeout's message: "the VolumeSnapshot to be ready". */
  readonly what: string;
}

interface WatchEvent<T> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: T & { metadata?: { name?: string; resourceVersion?: string } };
}

/**
 * Lists the objects of `options.path` that match the selectors, then watches
 * them, and after the list and every change calls `decide` with the matching
 * objects by name (an empty map once the last is deleted); returns the first
 * value it gives other than undefined. `decide` may throw to fail at once (a
 * failed pod). A watch that ends or expires is listed and watched again; a
 * network failure too. Throws saying what did not happen once `timeoutMs`
 * has passed.
 */
export async function watchUntil<T extends { metadata?: { name?: string } }, R>(
  client: KubeClient,
  options: WatchUntilOptions,
  decide: (objects: ReadonlyMap<string, T>) => R | undefined,
): Promise<R> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const selectors: Query = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
  const late = (): Error => new Error(`${options.what} did not happen within ${options.timeoutMs / 1000} s`);
  while (!signal.aborted) {
    try {
      const list = await client.request<{ metadata?: { resourceVersion?: string }; items: T[] }>(
        "LIST",
        options.path,
        { query: selectors, signal },
      );
      const objects = new Map(list.items.map((o) => [o.metadata?.name ?? "", o]));
      let decided = decide(objects);
      if (decided !== undefined) return decided;
      const query = {
        ...selectors,
        resourceVersion: list.metadata?.resourceVersion,
        allowWatchBookmarks: true,
      };
      for await (const raw of client.stream(options.path, query, signal)) {
        const event = raw as WatchEvent<T>;
        if (event.type === "ERROR") break;
        if (event.type === "BOOKMARK") continue;
        const name = event.object.metadata?.name ?? "";
        if (event.type === "DELETED") objects.delete(name);
        else objects.set(name, event.object);
        decided = decide(objects);
        if (decided !== undefined) return decided;
      }
    } catch (e: unknown) {
      if (signal.aborted) throw late();
      if (!(e instanceof KubeNetworkError) && !isExpired(e)) throw e;
    }
  }
  throw late();
}
