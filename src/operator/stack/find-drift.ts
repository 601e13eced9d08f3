import type { DriftRecord, TrackedResource } from "../../api/stack.ts";
import type { KubeObject, ManagedFieldsEntry } from "../../api/object.ts";
import { contains, fieldManager, withAppliedHash, appliedHashAnnotation } from "../../kube/desired-state.ts";
import { fieldPaths } from "../../kube/drift.ts";
import { classifyWriter } from "./drift-writer.ts";

/** What {@link findDrift} compares: what status tracked, what we want, what the caches hold. */
export interface DriftScene {
  /** `status.resources`: the children and their UIDs as the last reconcile left them. */
  readonly tracked: readonly TrackedResource[];
  /** The desired objects, ignored fields already left out. */
  readonly desired: readonly KubeObject[];
  /** The cached child of a kind and name, or undefined when it does not exist. */
  readonly live: (kind: string, name: string) => KubeObject | undefined;
  /** RFC 3339 time stamped on each record. */
  readonly now: string;
}

/**
 * The out-of-band changes visible now, level-based:
 *
 * - **Deleted**: a desired child whose UID status recorded is gone from the cache (missing, or
 *   replaced by an object with another UID). A child we prune leaves status before we delete it,
 *   so our own deletions never show here.
 * - **Modified**: a child carrying our current applied-hash (so we did not change what we want)
 *   whose live fields no longer hold what we set, where another manager in `managedFields` owns
 *   one of the fields that differ (a difference no one else owns is not someone's change).
 *
 * Pure. A change found again on a later pass is the same change (see {@link driftKey}).
 */
export function findDrift(scene: DriftScene): DriftRecord[] {
  const wantedTracked = scene.tracked.filter((t) =>
    scene.desired.some((o) => o.kind === t.kind && o.metadata.name === t.name),
  );
  const found = findDeletions(wantedTracked, scene.live, scene.now);
  for (const wanted of scene.desired) {
    const kind = wanted.kind ?? "";
    const name = wanted.metadata.name;
    const live = scene.live(kind, name);
    if (found.some((r) => r.kind === kind && r.name === name)) continue;
    if (!live || live.metadata.deletionTimestamp) continue;
    const stamped = withAppliedHash(wanted);
    if (
      live.metadata.annotations?.[appliedHashAnnotation] !==
      stamped.metadata.annotations?.[appliedHashAnnotation]
    )
      continue;
    if (contains(live, stamped)) continue;
    const fields = differingFields(live, stamped);
    const manager = changedBy(live, fields);
    // A difference no other field manager owns is not someone's change (a value the API server
    // normalised, a field removed): apply puts it right without calling it drift.
    if (manager === undefined) continue;
    found.push({
      time: scene.now,
      kind,
      name,
      change: "Modified",
      by: classifyWriter("Modified", manager),
      manager,
      fields,
    });
  }
  return found;
}

/**
 * The tracked children whose UID is gone from the cache (missing, or replaced by an object with
 * another UID): deletions, each a person's (the API server does not say who deleted). Pure.
 */
export function findDeletions(
  tracked: readonly TrackedResource[],
  live: (kind: string, name: string) => KubeObject | undefined,
  now: string,
): DriftRecord[] {
  return tracked
    .filter((t) => t.uid && live(t.kind, t.name)?.metadata.uid !== t.uid)
    .map((t) => ({
      time: now,
      kind: t.kind,
      name: t.name,
      change: "Deleted" as const,
      by: "Person" as const,
      manager: "unknown",
      fields: [],
      uid: t.uid,
    }));
}

/** What makes two records the same change: the object, the kind of change and, for a deletion, the UID gone. */
export function driftKey(r: Pick<DriftRecord, "kind" | "name" | "change" | "uid">): string {
  return `${r.kind}/${r.name}/${r.change}${r.change === "Deleted" ? `/${r.uid ?? ""}` : ""}`;
}

const maxFields = 10;

/** The dotted paths (`data.MOTD`, `spec.template.spec.containers[name=web].image`) where `live` does not hold `desired`. */
export function differingFields(live: unknown, desired: unknown, prefix = ""): string[] {
  if (contains(live, desired)) return [];
  if (desired === null || typeof desired !== "object" || live === null || typeof live !== "object") {
    return [prefix];
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return [prefix];
    return desired
      .flatMap((d, i) => differingFields(live[i], d, `${prefix}[${itemKey(d, i)}]`))
      .slice(0, maxFields);
  }
  return Object.entries(desired as Record<string, unknown>)
    .flatMap(([k, v]) =>
      differingFields((live as Record<string, unknown>)[k], v, prefix ? `${prefix}.${k}` : k),
    )
    .slice(0, maxFields);
}

function itemKey(item: unknown, index: number): string {
  const name = (item as { name?: unknown } | null)?.name;
  return typeof name === "string" ? `name=${name}` : String(index);
}

/** The other field manager owning one of `fields`, or undefined when none does. */
function changedBy(live: KubeObject, fields: readonly string[]): string | undefined {
  const others = (live.metadata.managedFields ?? []).filter(
    (e) => e.manager !== fieldManager && e.subresource !== "status",
  );
  const stem = (p: string): string => p.split("[")[0] ?? p;
  const owns = (e: ManagedFieldsEntry): boolean =>
    fieldPaths(e.fieldsV1).some((p) =>
      fields.some((f) => p === f || stem(p) === stem(f) || f.startsWith(`${p}.`) || p.startsWith(`${f}.`)),
    );
  return others.find(owns)?.manager;
}
