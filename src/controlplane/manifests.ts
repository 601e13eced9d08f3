import { stackResourceType } from "../api/stack.ts";
import type { KubeObject } from "../api/object.ts";
import { defaultDeployment, type DeploymentOptions } from "../resources/deployment-options.ts";
import { groupOf, ownedKinds, pluralOf } from "../resources/owned-kinds.ts";

const labels = { "app.kubernetes.io/name": "stackwarden", "app.kubernetes.io/component": "control-plane" };

/**
 * Read access (get, list, watch) to the kinds a stack owns except Secrets, one rule per API group:
 * what the control plane and the agent observe.
 */
export function ownedResources(): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const [apiVersion, kind] of ownedKinds) {
    // Secrets hold passwords: the control plane learns their UIDs from the Stack's status instead.
    if (kind === "Secret") continue;
    const group = groupOf(apiVersion);
    byGroup.set(group, [...(byGroup.get(group) ?? []), pluralOf(kind)]);
  }
  return [...byGroup.entries()].map(([group, resources]) => ({
    apiGroups: [group],
    resources: resources.sort(),
    verbs: ["get", "list", "watch"],
  }));
}

/** One rule of a ClusterRole. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * What the control plane and the agent both need: write `Stack` resources, and only read Events
 * and the kinds a stack owns except Secrets (the operator is the only writer of children).
 */
export function stackAccessRules(): PolicyRule[] {
  return [
    {
      apiGroups: [stackResourceType.group],
      resources: [stackResourceType.plural],
      verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
    ...ownedResources(),
  ];
}

/**
 * A ServiceAccount in `namespace` bound to a ClusterRole of `rules`, all three
 * named `name` and labelled `labels`: the identity of one Stackwarden process.
 */
export function serviceAccountWithClusterRole(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  rules: PolicyRule[],
): KubeObject[] {
  const rbac = "rbac.authorization.k8s.io";
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels } },
    { apiVersion: `${rbac}/v1`, kind: "ClusterRole", metadata: { name, labels }, rules } as KubeObject,
    {
      apiVersion: `${rbac}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: rbac, kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    } as KubeObject,
  ];
}

/** A non-root pod (uid and gid 65532) under the runtime's default seccomp profile. */
export const restrictedPodSecurity = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/** A container that cannot gain privileges, holds no capability and cannot write its root filesystem. */
export const restrictedContainerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
} as const;

/**
 * Everything needed to run the control plane in a cluster next to the
 * operator (which `deploy/stackwarden.yaml` ships, CRDs included), least
 * privilege: a ClusterRole that may write `Stack` resources and only read
 * Events and the kinds a stack owns except Secrets (the operator is the only
 * writer of children; Secrets are known from the Stack's status), plus what game servers need:
 * pod logs, exec, backup Jobs and the backups' claim, VolumeSnapshots and the reads that choose their class; a Deployment of stateless replicas on the PostgreSQL named by
 * the Secret `stackwarden-database` (key `url`), the keyring sealing stored
 * kubeconfigs from the Secret `stackwarden-kubeconfig-keys` (key `keys`), with the first admin's token
 * from the Secret `stackwarden-admin-token` (key `token`, optional), non-root
 * with a read-only root filesystem; and a Service on port 80.
 */
export function controlPlaneManifests(options: DeploymentOptions = defaultDeployment): KubeObject[] {
  const { namespace } = options;
  const name = "stackwarden-control-plane";
  const meta = (namespaced = true): KubeObject["metadata"] => ({
    name,
    ...(namespaced ? { namespace } : {}),
    labels,
  });
  return [
    ...serviceAccountWithClusterRole(name, namespace, labels, [
      ...stackAccessRules(),
      // Game servers: logs, the console (and a backup's save-off/save-on), and the backup Jobs
      // with the claim their archives go to. No update: a Job or claim is made once and deleted.
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch", "create", "delete"] },
      { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["create"] },
      // Snapshot backups: which class can snapshot the world claim's driver (read only), and the
      // VolumeSnapshots themselves. A restore's temporary claim is owned by its Job and goes with
      // it, so no right to delete claims (a world) is needed.
      { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get"] },
      { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotclasses"], verbs: ["list"] },
      {
        apiGroups: ["snapshot.storage.k8s.io"],
        resources: ["volumesnapshots"],
        verbs: ["get", "list", "watch", "create", "delete"],
      },
    ]),
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(),
      spec: {
        replicas: options.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: restrictedPodSecurity,
            containers: [
              {
                name: "server",
                image: options.image,
                args: ["server", "--listen=0.0.0.0:8080", "--data-dir=/tmp/stackwarden"],
                env: [
                  {
                    name: "DATABASE_URL",
                    valueFrom: { secretKeyRef: { name: "stackwarden-database", key: "url" } },
                  },
                  {
                    name: "STACKWARDEN_KUBECONFIG_KEYS",
                    valueFrom: { secretKeyRef: { name: "stackwarden-kubeconfig-keys", key: "keys" } },
                  },
                  {
                    name: "STACKWARDEN_ADMIN_TOKEN",
                    valueFrom: {
                      secretKeyRef: { name: "stackwarden-admin-token", key: "token", optional: true },
                    },
                  },
                ],
                ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
                livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
                resources: { requests: { cpu: "100m", memory: "192Mi" }, limits: { memory: "768Mi" } },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                securityContext: restrictedContainerSecurity,
              },
            ],
            volumes: [{ name: "tmp", emptyDir: {} }],
          },
        },
      },
    } as KubeObject,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(),
      spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
    } as KubeObject,
  ];
}
