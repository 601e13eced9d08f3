import { Backoff, watchBackoffOptions } from "../engine/backoff.ts";
import { realClock, type Clock } from "../engine/clock.ts";
import { errorClassOf, toError } from "../engine/errors.ts";
import type { KubeClient, Query } from "./client.ts";
import { KubeApiError, isExpired, type StatusBody } from "./errors.ts";
import type { ReflectorMetrics } from "./reflector-metrics.ts";
import { resourcePath } from "./resource-type.ts";
import { type ResourceType } from "../api/resource-type.ts";
import { Store } from "./store.ts";
import { type KubeObject } from "../api/object.ts";

/** What a reflector tells its subscribers. Handlers should turn these into work-queue keys and nothing else. */
export type ReflectorEvent<T> =
  | { readonly type: "added"; readonly object: T }
  | { readonly type: "modified"; readonly object: T; readonly previous: T }
  | { readonly type: "deleted"; readonly object: T };

export interface ReflectorOptions {
  readonly client: KubeClient;
  readonly type: ResourceType;
  /** Watch one namespace; all namespaces when omitted. */
  readonly namespace?: string;
  /** Cache only what matches, e.g. `app.kubernetes.io/managed-by=stackwarden`. */
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly clock?: Clock;
  /** List page size; 500 like client-go. */
  readonly pageSize?: number;
  /**
   * Reconnect when no event or bookmark arrives for this long. By default, the watch's
   * `timeoutSeconds` plus {@link watchdogGraceMs}: see {@link watchdogLimitMs}.
   */
  readonly watchdogMs?: number;
  /** The server-side watch timeout, drawn afresh for each watch; 5–10 min by default. */
  readonly timeoutSeconds?: () => number;
  readonly metrics?: ReflectorMetrics;
  /**
   * Applied to every object before it is cached or handed to handlers: drop what no reader of the
   * cache needs (see cache-transform.ts). Must return an object with the same metadata identity
   * (uid, name, namespace, resourceVersion, labels).
   */
  readonly transform?: <O extends KubeObject>(object: O) => O;
  readonly log?: (
    level: "debug" | "info" | "warn" | "error",
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
}

/** How long past its `timeoutSeconds` a watch may stay open before the watchdog cuts it. */
export const watchdogGraceMs = 30_000;

/**
 * How long a watch may stay silent before the watchdog cuts it: `watchdogMs` when given, else the
 * watch's own `timeoutSeconds` plus {@link watchdogGraceMs}. Silence alone is normal: the API
 * server sends a bookmark about once a minute only when the watched type's resourceVersion has
 * moved past the one the watch started from (kube-apiserver's cacher drops bookmarks that are not
 * newer), so a watch on a quiet type can hear nothing until the server closes it at its timeout.
 * Only a watch still open after that is half-open.
 */
export function watchdogLimitMs(timeoutSeconds: number, watchdogMs?: number): number {
  return watchdogMs ?? timeoutSeconds * 1000 + watchdogGraceMs;
}

/** The reflector's state machine, advanced by {@link Reflector.step}. */
export type ReflectorState =
  | { readonly phase: "listing" }
  | { readonly phase: "watching"; readonly resourceVersion: string }
  | { readonly phase: "backingOff"; readonly ms: number; readonly then: ReflectorState };

interface WatchEventWire {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: KubeObject | StatusBody;
}

/**
 * List + watch of one resource type into a {@link Store}: kube-rs's watcher
 * as an explicit state machine, `listing → watching ⇄ backingOff`.
 *
 * - Lists in pages of `pageSize`, then watches from the list's
 *   resourceVersion with bookmarks and a randomized `timeoutSeconds`.
 * - A watch the server closes (its timeout) is resumed at once from the last
 *   resourceVersion seen. 410 Gone / Expired, as an HTTP status or as an
 *   ERROR event, means the version is too old: list again.
 * - A watch still silent past its timeout (see {@link watchdogLimitMs}) is
 *   cut and resumed: the watchdog guards against half-open connections.
 * - Every other failure backs off (800 ms doubling to 30 s with jitter, reset
 *   after two quiet minutes) and retries. Permanent failures (403, 404 — a
 *   CRD not installed yet) are logged and retried at the cap. A reflector
 *   never stops by itself; only its signal stops it.
 */
export class Reflector<T extends KubeObject = KubeObject> {
  readonly store = new Store<T>();
  readonly #o: ReflectorOptions;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #handlers: Array<(event: ReflectorEvent<T>) => void> = [];
  readonly #syncWaiters: Array<() => void> = [];
  #synced = false;
  #lastEventAt = 0;

  constructor(options: ReflectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#backoff = new Backoff({ ...watchBackoffOptions, clock: this.#clock });
  }

  /** The kind of the objects this reflector mirrors. */
  get kind(): string {
    return this.#o.type.kind;
  }

  /** The resource this reflector mirrors, for logs and metrics. */
  get resource(): string {
    const t = this.#o.type;
    return t.group === "" ? t.plural : `${t.plural}.${t.group}`;
  }

  /** Subscribes to changes; handlers run synchronously, in order, after the store is updated. */
  on(handler: (event: ReflectorEvent<T>) => void): void {
    this.#handlers.push(handler);
  }

  /** True once the first list has been stored. */
  get hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first list has been stored. */
  waitForSync(): Promise<void> {
    return this.#synced ? Promise.resolve() : new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** Milliseconds since the last event or bookmark (for metrics and health). */
  get lastEventAgeMs(): number {
    return this.#lastEventAt === 0 ? 0 : this.#clock.now() - this.#lastEventAt;
  }

  /** Runs until `signal` aborts; never returns earlier, whatever the server does. */
  async run(signal: AbortSignal): Promise<void> {
    let state: ReflectorState = { phase: "listing" };
    while (!signal.aborted) {
      try {
        state = await this.step(state, signal);
      } catch (e: unknown) {
        if (signal.aborted) return;
        throw e;
      }
    }
  }

  /** Advances the state machine by one step. */
  async step(state: ReflectorState, signal: AbortSignal): Promise<ReflectorState> {
    switch (state.phase) {
      case "listing":
        try {
          return { phase: "watching", resourceVersion: await this.#list(signal) };
        } catch (e: unknown) {
          return this.#failed(e, state, signal);
        }
      case "watching":
        try {
          return await this.#watch(state.resourceVersion, signal);
        } catch (e: unknown) {
          if (isExpired(e)) {
            this.#o.metrics?.relists.inc({ resource: this.resource });
            return { phase: "listing" };
          }
          return this.#failed(e, state, signal);
        }
      case "backingOff":
        await this.#clock.sleep(state.ms, signal);
        return state.then;
    }
  }

  #failed(e: unknown, retry: ReflectorState, signal: AbortSignal): ReflectorState {
    if (signal.aborted) return retry;
    const cls = errorClassOf(e);
    const ms = cls === "permanent" ? watchBackoffOptions.maxMs : this.#backoff.next();
    this.#o.metrics?.errors.inc({ resource: this.resource, class: cls });
    this.#o.log?.(cls === "permanent" ? "error" : "warn", "reflector request failed; retrying", {
      resource: this.resource,
      phase: retry.phase,
      errorClass: cls,
      error: toError(e).message,
      retryInMs: ms,
    });
    return { phase: "backingOff", ms, then: retry };
  }

  #query(): Query {
    return { labelSelector: this.#o.labelSelector, fieldSelector: this.#o.fieldSelector };
  }

  async #list(signal: AbortSignal): Promise<string> {
    const path = resourcePath(this.#o.type, this.#o.namespace);
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.#o.client.request<{
        items: T[];
        metadata: { resourceVersion: string; continue?: string };
      }>("LIST", path, {
        query: { ...this.#query(), limit: this.#o.pageSize ?? 500, continue: continueToken },
        signal,
        timeoutMs: 60_000,
      });
      const { apiVersion, kind } = { apiVersion: apiVersionOf(this.#o.type), kind: this.#o.type.kind };
      for (const item of page.items) items.push(this.#transform({ apiVersion, kind, ...item }));
      resourceVersion = page.metadata.resourceVersion;
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
    const diff = this.store.replace(items);
    this.#o.metrics?.lists.inc({ resource: this.resource });
    this.#o.metrics?.objects.set({ resource: this.resource }, this.store.size);
    this.#lastEventAt = this.#clock.now();
    for (const object of diff.added) this.#emit({ type: "added", object });
    for (const [previous, object] of diff.modified) this.#emit({ type: "modified", object, previous });
    for (const object of diff.deleted) this.#emit({ type: "deleted", object });
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
    return resourceVersion;
  }

  async #watch(from: string, signal: AbortSignal): Promise<ReflectorState> {
    const path = resourcePath(this.#o.type, this.#o.namespace);
    const timeoutSeconds = this.#o.timeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
    const cut = new AbortController();
    const both = AbortSignal.any([signal, cut.signal]);
    this.#lastEventAt = this.#clock.now();
    const watchdog = this.#watchdog(watchdogLimitMs(timeoutSeconds, this.#o.watchdogMs), cut, both);
    let resourceVersion = from;
    try {
      const stream = this.#o.client.stream(
        path,
        { ...this.#query(), resourceVersion: from, allowWatchBookmarks: true, timeoutSeconds },
        both,
      );
      for await (const raw of stream) {
        const event = raw as WatchEventWire;
        this.#lastEventAt = this.#clock.now();
        if (event.type === "ERROR") {
          const status = event.object as StatusBody;
          throw new KubeApiError("WATCH", path, status.code ?? 500, status);
        }
        const object = event.object as T;
        resourceVersion = object.metadata.resourceVersion ?? resourceVersion;
        if (event.type === "BOOKMARK") continue;
        this.#apply(event.type, {
          apiVersion: apiVersionOf(this.#o.type),
          kind: this.#o.type.kind,
          ...object,
        });
      }
    } finally {
      cut.abort();
      await watchdog;
    }
    if (signal.aborted) return { phase: "watching", resourceVersion };
    this.#o.metrics?.reconnects.inc({
      resource: this.resource,
      reason: cut.signal.reason === "watchdog" ? "watchdog" : "closed",
    });
    if (cut.signal.reason === "watchdog") {
      this.#o.log?.("warn", "watch went silent past its timeout; reconnecting", {
        resource: this.resource,
        resourceVersion,
      });
    } else {
      // The server ends every watch at its timeoutSeconds: routine, not news.
      this.#o.log?.("debug", "watch closed by the server; resuming", {
        resource: this.resource,
        resourceVersion,
      });
    }
    return { phase: "watching", resourceVersion };
  }

  /** Cuts the watch when it has been silent for `limit` ms; resolves when the watch ends. */
  async #watchdog(limit: number, cut: AbortController, watch: AbortSignal): Promise<void> {
    try {
      while (!watch.aborted) {
        const silentFor = this.#clock.now() - this.#lastEventAt;
        if (silentFor >= limit) {
          this.#o.metrics?.watchdogRestarts.inc({ resource: this.resource });
          cut.abort("watchdog");
          return;
        }
        await this.#clock.sleep(limit - silentFor, watch);
      }
    } catch {
      // The watch ended first.
    }
  }

  #transform(object: T): T {
    return this.#o.transform ? this.#o.transform(object) : object;
  }

  #apply(type: "ADDED" | "MODIFIED" | "DELETED", raw: T): void {
    const object = this.#transform(raw);
    if (type === "DELETED") {
      this.store.remove(object);
      this.#emit({ type: "deleted", object });
    } else {
      const previous = this.store.upsert(object);
      this.#emit(previous ? { type: "modified", object, previous } : { type: "added", object });
    }
    this.#o.metrics?.objects.set({ resource: this.resource }, this.store.size);
    this.#o.metrics?.events.inc({ resource: this.resource, type: type.toLowerCase() });
  }

  #emit(event: ReflectorEvent<T>): void {
    for (const handler of this.#handlers) handler(event);
  }
}

function apiVersionOf(t: ResourceType): string {
  return t.group === "" ? t.version : `${t.group}/${t.version}`;
}
