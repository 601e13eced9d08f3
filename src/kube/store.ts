import { matchesLabels, parseLabelSelector, type Requirement } from "./label-selector.ts";
import { objectKey, type KubeObject } from "../api/object.ts";

/** Compares two resource versions; undefined when they cannot be ordered (not decimal). */
export function compareResourceVersions(a: string, b: string): number | undefined {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return a === b ? 0 : undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The cache a reflector fills: objects keyed by UID, with lookup by
 * namespace/name and by label selector. A selector with an equality
 * requirement (`key=value`) reads only the objects that carry that label:
 * the first such lookup of a key indexes the cache by it, and every change
 * keeps that index. The operator asks for a stack's children this way on
 * every reconcile; without the index each lookup read every cached child
 * (docs/performance.md, at scale).
 *
 * It also lets the runtime **read its own writes**: {@link recordWrite} and
 * {@link recordDelete} lay the result of a write over the cached copy until
 * the watch delivers that write (or anything later), so the next reconcile
 * never acts on a copy older than what it just wrote.
 */
export class Store<T extends KubeObject = KubeObject> {
  readonly #byUid = new Map<string, T>();
  readonly #uidByKey = new Map<string, string>();
  readonly #written = new Map<string, T>();
  readonly #deleted = new Map<string, string>();
  /** Label key → value → UIDs of the cached copies (not overlays) with that label, for {@link list}. */
  readonly #byLabel = new Map<string, Map<string, Set<string>>>();

  /** Number of cached objects. */
  get size(): number {
    return this.#byUid.size;
  }

  /** The freshest copy known of `namespace/name` (or `name`), or undefined. */
  get(key: string): T | undefined {
    const uid = this.#uidByKey.get(key);
    const written = [...this.#written.values()].find((o) => objectKey(o) === key);
    if (written) return written;
    if (uid === undefined || this.#deleted.has(uid)) return undefined;
    return this.#byUid.get(uid);
  }

  getByUid(uid: string): T | undefined {
    if (this.#deleted.has(uid)) return undefined;
    return this.#written.get(uid) ?? this.#byUid.get(uid);
  }

  /** Objects in `namespace` (all when omitted) matching `labelSelector`. */
  list({ namespace, labelSelector }: { namespace?: string; labelSelector?: string } = {}): T[] {
    const requirements = labelSelector ? parseLabelSelector(labelSelector) : [];
    const out: T[] = [];
    for (const uid of this.#candidates(requirements)) {
      if (!this.#byUid.has(uid)) continue;
      const o = this.getByUid(uid);
      if (!o) continue;
      if (namespace !== undefined && o.metadata.namespace !== namespace) continue;
      if (!matchesLabels(requirements, o.metadata.labels)) continue;
      out.push(o);
    }
    return out;
  }

  /**
   * The UIDs {@link list} has to look at for `requirements`: with an equality requirement, those
   * the index holds for its value and every overlaid object (an overlay's labels may differ from
   * the cached copy's); else every cached object. Each is still matched in full.
   */
  #candidates(requirements: readonly Requirement[]): Iterable<string> {
    const equal = requirements.find((r) => r.op === "in" && r.values.length === 1);
    if (!equal || equal.op !== "in") return this.#byUid.keys();
    const indexed = this.#index(equal.key).get(equal.values[0]!);
    if (this.#written.size === 0) return indexed ?? [];
    return new Set([...(indexed ?? []), ...this.#written.keys()]);
  }

  /** The index of `key`, built from the cache the first time it is asked for. */
  #index(key: string): Map<string, Set<string>> {
    let index = this.#byLabel.get(key);
    if (!index) {
      index = new Map();
      this.#byLabel.set(key, index);
      for (const [uid, o] of this.#byUid) this.#indexed(uid, o, "add");
    }
    return index;
  }

  /** Adds `o` (cached as `uid`) to, or deletes it from, every index. */
  #indexed(uid: string, o: T, change: "add" | "delete"): void {
    for (const [key, index] of this.#byLabel) {
      const value = o.metadata.labels?.[key];
      if (value === undefined) continue;
      let uids = index.get(value);
      if (change === "add") {
        if (!uids) index.set(value, (uids = new Set()));
        uids.add(uid);
      } else if (uids) {
        uids.delete(uid);
        if (uids.size === 0) index.delete(value);
      }
    }
  }

  /** Adds or replaces an object from the watch; returns the copy it replaced. */
  upsert(o: T): T | undefined {
    const uid = o.metadata.uid ?? objectKey(o);
    const previous = this.#byUid.get(uid);
    if (previous) this.#indexed(uid, previous, "delete");
    this.#indexed(uid, o, "add");
    this.#byUid.set(uid, o);
    this.#uidByKey.set(objectKey(o), uid);
    this.#settle(uid, o.metadata.resourceVersion);
    return previous;
  }

  /** Removes an object the watch reported deleted; returns the cached copy. */
  remove(o: T): T | undefined {
    const uid = o.metadata.uid ?? objectKey(o);
    const previous = this.#byUid.get(uid);
    if (previous) this.#indexed(uid, previous, "delete");
    this.#byUid.delete(uid);
    if (this.#uidByKey.get(objectKey(o)) === uid) this.#uidByKey.delete(objectKey(o));
    this.#written.delete(uid);
    this.#deleted.delete(uid);
    return previous;
  }

  /**
   * Replaces the whole content with a fresh list. Returns what changed, so
   * the reflector can report it. Overlays are dropped: a list read after a
   * write already contains it.
   */
  replace(objects: readonly T[]): { added: T[]; modified: Array<[T, T]>; deleted: T[] } {
    const added: T[] = [];
    const modified: Array<[T, T]> = [];
    const seen = new Set<string>();
    for (const o of objects) {
      const uid = o.metadata.uid ?? objectKey(o);
      seen.add(uid);
      const previous = this.#byUid.get(uid);
      if (!previous) added.push(o);
      else if (previous.metadata.resourceVersion !== o.metadata.resourceVersion) modified.push([previous, o]);
    }
    const deleted = [...this.#byUid.entries()].filter(([uid]) => !seen.has(uid)).map(([, o]) => o);
    this.#byUid.clear();
    this.#byLabel.clear();
    this.#uidByKey.clear();
    this.#written.clear();
    this.#deleted.clear();
    for (const o of objects) {
      const uid = o.metadata.uid ?? objectKey(o);
      this.#byUid.set(uid, o);
      this.#uidByKey.set(objectKey(o), uid);
    }
    return { added, modified, deleted };
  }

  /** Lays an object the runtime just wrote over the cache until the watch catches up with it. */
  recordWrite(o: T): void {
    const uid = o.metadata.uid;
    if (uid === undefined) return;
    this.#deleted.delete(uid);
    const cached = this.#byUid.get(uid);
    const rv = o.metadata.resourceVersion;
    if (cached && rv !== undefined && cached.metadata.resourceVersion === rv) return;
    this.#written.set(uid, o);
    this.#uidByKey.set(objectKey(o), uid);
  }

  /** Hides an object the runtime just deleted until the watch reports the deletion. */
  recordDelete(o: T): void {
    const uid = o.metadata.uid;
    if (uid === undefined) return;
    this.#written.delete(uid);
    this.#deleted.set(uid, o.metadata.resourceVersion ?? "");
  }

  /** Drops an overlay once the watch has delivered the written version or a later one. */
  #settle(uid: string, rv: string | undefined): void {
    const written = this.#written.get(uid);
    if (!written || rv === undefined) return;
    const order = compareResourceVersions(rv, written.metadata.resourceVersion ?? "");
    if (order !== undefined && order >= 0) this.#written.delete(uid);
  }
}
