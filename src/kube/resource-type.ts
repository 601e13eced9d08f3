import type { KubeClient } from "./client.ts";
import { apiVersionOf, splitApiVersion, type ResourceType } from "../api/resource-type.ts";

/**
 * The URL path of a collection or an object: `/api/v1/namespaces/ns/pods/name/status`.
 * Omit `namespace` for a cluster-wide list of a namespaced kind.
 */
export function resourcePath(
  t: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = t.group === "" ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
  const ns = t.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const obj = name !== undefined ? `/${encodeURIComponent(name)}` : "";
  const sub = name !== undefined && subresource !== undefined ? `/${subresource}` : "";
  return `${base}${ns}/${t.plural}${obj}${sub}`;
}

const builtin = (apiVersion: string, kind: string, plural: string, namespaced = true): ResourceType => {
  const [group, version] = splitApiVersion(apiVersion);
  return { group, version, kind, plural, namespaced };
};

/** The kinds Stackwarden manages or reads, known without discovery. */
export const builtinResourceTypes: readonly ResourceType[] = [
  builtin("v1", "ConfigMap", "configmaps"),
  builtin("v1", "Secret", "secrets"),
  builtin("v1", "Service", "services"),
  builtin("v1", "ServiceAccount", "serviceaccounts"),
  builtin("v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
  builtin("v1", "Pod", "pods"),
  builtin("v1", "Namespace", "namespaces", false),
  builtin("v1", "Node", "nodes", false),
  builtin("v1", "ResourceQuota", "resourcequotas"),
  builtin("v1", "Event", "events"),
  builtin("apps/v1", "Deployment", "deployments"),
  builtin("apps/v1", "StatefulSet", "statefulsets"),
  builtin("apps/v1", "DaemonSet", "daemonsets"),
  builtin("apps/v1", "ReplicaSet", "replicasets"),
  builtin("batch/v1", "Job", "jobs"),
  builtin("batch/v1", "CronJob", "cronjobs"),
  builtin("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"),
  builtin("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
  builtin("networking.k8s.io/v1", "Ingress", "ingresses"),
  builtin("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies"),
  builtin("rbac.authorization.k8s.io/v1", "Role", "roles"),
  builtin("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
  builtin("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false),
  builtin("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false),
  builtin("coordination.k8s.io/v1", "Lease", "leases"),
  builtin("events.k8s.io/v1", "Event", "events"),
  builtin("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", false),
];

/**
 * Maps apiVersion + kind to a {@link ResourceType}: built-in kinds at once,
 * registered kinds (our CRDs) too, and anything else through API discovery,
 * asked once per group version.
 */
export class ResourceTypes {
  readonly #known = new Map<string, ResourceType>();
  readonly #discovered = new Map<string, Promise<void>>();

  constructor(types: readonly ResourceType[] = builtinResourceTypes) {
    for (const t of types) this.register(t);
  }

  register(t: ResourceType): void {
    this.#known.set(`${apiVersionOf(t)}/${t.kind}`, t);
  }

  /** The type if it is known without asking the server. */
  known(apiVersion: string, kind: string): ResourceType | undefined {
    return this.#known.get(`${apiVersion}/${kind}`);
  }

  /** The type, asking the server's discovery when it is not known yet; throws when the server does not serve it. */
  async resolve(client: KubeClient, apiVersion: string, kind: string): Promise<ResourceType> {
    const hit = this.known(apiVersion, kind);
    if (hit) return hit;
    let pending = this.#discovered.get(apiVersion);
    if (!pending) {
      pending = this.#discover(client, apiVersion);
      this.#discovered.set(apiVersion, pending);
      pending.catch(() => this.#discovered.delete(apiVersion));
    }
    await pending;
    const found = this.known(apiVersion, kind);
    if (!found) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return found;
  }

  async #discover(client: KubeClient, apiVersion: string): Promise<void> {
    const [group, version] = splitApiVersion(apiVersion);
    const path = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
    const list = await client.request<{
      resources: Array<{ name: string; kind: string; namespaced: boolean }>;
    }>("GET", path);
    for (const r of list.resources) {
      if (!r.name.includes("/"))
        this.register({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
  }
}
