/**
 * The kinds a stack's children can have, as one list that the operator (what
 * it caches and may write), the control plane (what it observes) and their
 * RBAC manifests all read, so the three cannot disagree.
 */

/** Every kind a template may render as a child of a stack: `[apiVersion, kind]`. */
export const ownedKinds: ReadonlyArray<[apiVersion: string, kind: string]> = [
  ["v1", "ConfigMap"],
  ["v1", "Secret"],
  ["v1", "Service"],
  ["v1", "ServiceAccount"],
  ["v1", "PersistentVolumeClaim"],
  ["v1", "Pod"],
  ["apps/v1", "StatefulSet"],
  ["apps/v1", "Deployment"],
  ["batch/v1", "Job"],
  ["policy/v1", "PodDisruptionBudget"],
  ["autoscaling/v2", "HorizontalPodAutoscaler"],
  ["rbac.authorization.k8s.io/v1", "Role"],
  ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  ["networking.k8s.io/v1", "Ingress"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
];

/** The API group of an apiVersion: `""` for the core group (`v1`). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
}

/**
 * The plural resource name of one of the {@link ownedKinds} (lowercase, with
 * English plurals for the kinds whose name ends in `s` or `y`), as RBAC rules
 * and API paths spell it.
 */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith("s")) return `${lower}es`;
  if (lower.endsWith("y")) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}
