import type { Manifest } from "../../resources/manifest.ts";

/**
 * The cluster's identity: a ServiceAccount `<cluster>`, and a Role and
 * RoleBinding `<cluster>` letting its pods read the pods, services,
 * endpoints and ConfigMaps of their namespace (peer discovery) — nothing
 * else, and nothing cluster-wide.
 */
export function buildChronikRbac(cluster: string): Manifest[] {
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: cluster } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: cluster },
      rules: [
        {
          apiGroups: [""],
          resources: ["pods", "services", "endpoints", "configmaps"],
          verbs: ["get", "list", "watch"],
        },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: cluster },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: cluster },
      subjects: [{ kind: "ServiceAccount", name: cluster }],
    },
  ];
}
