import { fieldManager } from "./desired-state.ts";
import type { KubeObject, ManagedFieldsEntry } from "../api/object.ts";

/** A change another field manager made to fields Stackwarden owned. */
export interface ForeignChange {
  /** The field manager that made it: `kubectl-edit`, `kubectl-scale`, `kube-controller-manager`, … */
  readonly manager: string;
  readonly operation: string;
  readonly subresource?: string;
  readonly time?: string;
  /** The fields, as readable paths: `spec.replicas`, `spec.template.spec.containers[name=web].image`. */
  readonly fields: readonly string[];
}

/**
 * The field paths a `fieldsV1` set names (leaves only), e.g.
 * `{"f:spec":{"f:replicas":{}}}` → `["spec.replicas"]`. List items keyed by
 * `k:{"name":"web"}` read `[name=web]`; set values `v:"x"` read `[="x"]`.
 */
export function fieldPaths(fieldsV1: unknown, prefix = ""): string[] {
  if (fieldsV1 === null || typeof fieldsV1 !== "object") return prefix ? [prefix] : [];
  const entries = Object.entries(fieldsV1 as Record<string, unknown>).filter(([k]) => k !== ".");
  if (entries.length === 0) return prefix ? [prefix] : [];
  return entries.flatMap(([k, v]) => fieldPaths(v, join(prefix, k)));
}

function join(prefix: string, key: string): string {
  if (key.startsWith("f:")) return prefix ? `${prefix}.${key.slice(2)}` : key.slice(2);
  if (key.startsWith("k:")) {
    const keys = JSON.parse(key.slice(2)) as Record<string, unknown>;
    return `${prefix}[${Object.entries(keys)
      .map(([a, b]) => `${a}=${String(b)}`)
      .join(",")}]`;
  }
  if (key.startsWith("v:")) return `${prefix}[=${key.slice(2)}]`;
  if (key.startsWith("i:")) return `${prefix}[${key.slice(2)}]`;
  return prefix ? `${prefix}.${key}` : key;
}

const ours = (e: ManagedFieldsEntry): boolean => e.manager === fieldManager;
const entryKey = (e: ManagedFieldsEntry): string =>
  `${e.manager ?? ""}|${e.operation ?? ""}|${e.subresource ?? ""}`;

/** The paths our field manager owns in `object` (main resource, not status). */
export function ownedPaths(object: KubeObject, manager = fieldManager): Set<string> {
  const paths = new Set<string>();
  for (const e of object.metadata.managedFields ?? []) {
    if (e.manager === manager && !e.subresource) for (const p of fieldPaths(e.fieldsV1)) paths.add(p);
  }
  return paths;
}

/**
 * What other managers changed between two versions of an object we manage:
 * managedFields entries of other managers that are new or newer in `object`
 * and name fields that `previous` had under our manager. Status writes and
 * metadata bookkeeping are not drift. Pure. (The operator finds drift
 * level-based in its reconcile instead; see operator/stack/find-drift.ts.)
 */
export function foreignChanges(previous: KubeObject, object: KubeObject): ForeignChange[] {
  const owned = ownedPaths(previous);
  if (owned.size === 0) return [];
  const before = new Map((previous.metadata.managedFields ?? []).map((e) => [entryKey(e), e]));
  const changes: ForeignChange[] = [];
  for (const e of object.metadata.managedFields ?? []) {
    if (ours(e) || e.subresource === "status") continue;
    const old = before.get(entryKey(e));
    if (old && old.time === e.time && JSON.stringify(old.fieldsV1) === JSON.stringify(e.fieldsV1)) continue;
    const fields = fieldPaths(e.fieldsV1).filter(
      (p) =>
        (owned.has(p) || [...owned].some((o) => o.startsWith(`${p}.`) || o.startsWith(`${p}[`))) &&
        !isBookkeeping(p),
    );
    if (fields.length > 0) {
      changes.push({
        manager: e.manager ?? "unknown",
        operation: e.operation ?? "Update",
        ...(e.subresource ? { subresource: e.subresource } : {}),
        ...(e.time ? { time: e.time } : {}),
        fields,
      });
    }
  }
  return changes;
}

function isBookkeeping(path: string): boolean {
  return path.startsWith("metadata.managedFields") || path === "metadata.resourceVersion";
}
