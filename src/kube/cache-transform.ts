import type { KubeObject, ManagedFieldsEntry } from "../api/object.ts";
import { fieldManager } from "./desired-state.ts";

/**
 * What drift detection reads of `managedFields` (operator/stack/find-drift.ts): the entries of
 * other field managers on the main resource, to name who changed a field. Our own entry and
 * status-subresource entries are never read, and ours is the largest (every field we apply).
 */
export const foreignEntry = (e: ManagedFieldsEntry): boolean =>
  e.manager !== fieldManager && e.subresource !== "status";

/**
 * A cache transform that keeps only the `managedFields` entries `keep` accepts (none when omitted)
 * and returns the object otherwise unchanged. The object is copied only when something is dropped,
 * and `managedFields` is left out entirely when nothing is kept. Pure.
 */
export function stripManagedFields(keep?: (e: ManagedFieldsEntry) => boolean) {
  return <O extends KubeObject>(object: O): O => {
    const entries = object.metadata.managedFields;
    if (entries === undefined) return object;
    const kept = keep ? entries.filter(keep) : [];
    if (kept.length === entries.length) return object;
    const { managedFields: _dropped, ...metadata } = object.metadata;
    return { ...object, metadata: kept.length > 0 ? { ...metadata, managedFields: kept } : metadata };
  };
}
