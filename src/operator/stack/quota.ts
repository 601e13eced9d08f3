import type { KubeObject } from "../../api/object.ts";
import { formatBytes, parseQuantity } from "../../resources/resource-quantity.ts";

/** A ResourceQuota as the API returns it. */
export type ResourceQuota = KubeObject & {
  readonly status?: { readonly hard?: Record<string, string>; readonly used?: Record<string, string> };
};

type Container = { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
type Workload = KubeObject & {
  spec?: { replicas?: number; template?: { spec?: { containers?: Container[] } }; containers?: Container[] };
};

const tracked = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods"] as const;

/** What a set of rendered objects asks of a namespace's quota: requests, limits and pods. */
export function quotaNeeds(objects: readonly KubeObject[]): Record<(typeof tracked)[number], number> {
  const need = { "requests.cpu": 0, "requests.memory": 0, "limits.cpu": 0, "limits.memory": 0, pods: 0 };
  for (const o of objects as readonly Workload[]) {
    const pods =
      o.kind === "Pod"
        ? 1
        : ["Deployment", "StatefulSet", "ReplicaSet"].includes(o.kind ?? "")
          ? (o.spec?.replicas ?? 1)
          : o.kind === "Job"
            ? 1
            : 0;
    if (pods === 0) continue;
    const containers =
      o.kind === "Pod" ? (o.spec?.containers ?? []) : (o.spec?.template?.spec?.containers ?? []);
    need.pods += pods;
    for (const c of containers) {
      for (const kind of ["requests", "limits"] as const) {
        need[`${kind}.cpu`] += (parseQuantity(c.resources?.[kind]?.cpu) ?? 0) * pods;
        need[`${kind}.memory`] += (parseQuantity(c.resources?.[kind]?.memory) ?? 0) * pods;
      }
    }
  }
  return need;
}

/**
 * The quotas of the namespace that cannot hold `objects`, each as
 * `ResourceQuota/name (requests.memory: needs 1.5Gi, 1Gi left)`. A quota
 * without a limit on a resource does not limit it; `cpu` and `memory` count as
 * `requests.cpu` and `requests.memory`, as Kubernetes does. Pure.
 */
export function quotaShortfalls(quotas: readonly ResourceQuota[], objects: readonly KubeObject[]): string[] {
  const need = quotaNeeds(objects);
  const shortfalls: string[] = [];
  for (const quota of quotas) {
    const hard = quota.status?.hard ?? {};
    const used = quota.status?.used ?? {};
    const problems: string[] = [];
    for (const resource of tracked) {
      const alias = resource.startsWith("requests.") ? resource.slice("requests.".length) : undefined;
      const key =
        hard[resource] !== undefined
          ? resource
          : alias !== undefined && hard[alias] !== undefined
            ? alias
            : undefined;
      if (key === undefined || need[resource] === 0) continue;
      const left = (parseQuantity(hard[key]) ?? 0) - (parseQuantity(used[key]) ?? 0);
      if (need[resource] > left + 1e-9) {
        const show = (n: number): string =>
          resource.endsWith("memory") ? formatBytes(n) : String(Number(n.toFixed(3)));
        problems.push(`${key}: needs ${show(need[resource])}, ${show(Math.max(0, left))} left`);
      }
    }
    if (problems.length > 0) shortfalls.push(`ResourceQuota/${quota.metadata.name} (${problems.join("; ")})`);
  }
  return shortfalls;
}
