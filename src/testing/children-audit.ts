import type { KubeObject } from "../api/object.ts";
import { componentLabel, managedByLabel, managedByValue, stackLabel } from "../resources/labels.ts";

/** What {@link auditChildren} found wrong, each entry naming the objects. */
export interface ChildrenAudit {
  /** `stack/component/Kind: name, name…` for every component with more than one object of a kind. */
  readonly duplicates: string[];
  /** `Kind/name` of every managed object no live root owns (no owner reference to a root's UID). */
  readonly orphans: string[];
}

/**
 * Checks the managed children of a namespace against its roots. Pure. A child is managed when it
 * carries `app.kubernetes.io/managed-by=stackwarden`; it is a duplicate when another object of the
 * same kind carries the same stack and component labels (for templates with one object per kind
 * and component, such as minecraft-java), and an orphan when none of its owner references names
 * the UID of a root in `roots`. Objects without the managed-by label (pods, claims) are ignored.
 */
export function auditChildren(roots: readonly KubeObject[], children: readonly KubeObject[]): ChildrenAudit {
  const rootUids = new Set(roots.map((r) => r.metadata.uid));
  const managed = children.filter((c) => c.metadata.labels?.[managedByLabel] === managedByValue);
  const groups = new Map<string, string[]>();
  for (const child of managed) {
    const labels = child.metadata.labels ?? {};
    const key = `${labels[stackLabel] ?? "?"}/${labels[componentLabel] ?? "?"}/${child.kind ?? "?"}`;
    groups.set(key, [...(groups.get(key) ?? []), child.metadata.name]);
  }
  return {
    duplicates: [...groups]
      .filter(([, names]) => names.length > 1)
      .map(([key, names]) => `${key}: ${names.sort().join(", ")}`),
    orphans: managed
      .filter((c) => !(c.metadata.ownerReferences ?? []).some((o) => rootUids.has(o.uid)))
      .map((c) => `${c.kind ?? "?"}/${c.metadata.name}`),
  };
}
