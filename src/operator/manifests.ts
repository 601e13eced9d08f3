import type { KubeObject } from "../api/object.ts";
import { operatorCrds } from "./install-crds.ts";
import { boundKinds } from "./kinds.ts";
import { defaultDeployment, type DeploymentOptions } from "../resources/deployment-options.ts";
import { groupOf, ownedKinds, pluralOf } from "../resources/owned-kinds.ts";

const labels = { "app.kubernetes.io/name": "stackwarden", "app.kubernetes.io/component": "operator" };

/** The API groups and plural names of the kinds a stack may own. */
function ownedRules(): Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> {
  const byGroup = new Map<string, string[]>();
  for (const [apiVersion, kind] of ownedKinds) {
    const group = groupOf(apiVersion);
    byGroup.set(group, [...(byGroup.get(group) ?? []), pluralOf(kind)]);
  }
  return [...byGroup.entries()].map(([group, resources]) => ({
    apiGroups: [group],
    resources: resources.sort(),
    verbs: group === rbacGroup ? rbacVerbs : ["get", "list", "watch", "create", "update", "patch", "delete"],
  }));
}

const rbacGroup = "rbac.authorization.k8s.io";

/**
 * How the operator's container starts the image's bundle: with V8's lite mode, which the image's
 * entrypoint (`node --liftoff-only dist/main.js`) cannot carry for every command. Lite mode runs
 * JavaScript without an optimising compiler and turns WebAssembly off; the operator needs neither,
 * and holds about 20 MiB less for it (docs/performance.md, rounds 5 and 6). The control plane keeps
 * the entrypoint: its PGlite is WebAssembly. The image's compile cache is filled for these flags too
 * (Dockerfile).
 */
export const operatorCommand: readonly string[] = ["node", "--lite-mode", "dist/main.js"];

/**
 * Roles and RoleBindings (ChronikCluster's children) as narrowly as RBAC
 * allows: what server-side apply, the cache and pruning use (apply is
 * authorized as `patch`, and as `create` when it creates), nothing else —
 * no `update`, no `deletecollection`, and never `bind` or `escalate`, so
 * the API server's escalation check holds: the operator can create only
 * Roles whose every rule it holds itself, and bind only such Roles.
 * Names cannot narrow it further (RBAC ignores resourceNames on create,
 * list and watch, and each ChronikCluster names its own).
 */
const rbacVerbs = ["get", "list", "watch", "create", "patch", "delete"];

/**
 * Everything needed to run the operator in a cluster, least privilege:
 * the CRDs; a ClusterRole that may read and write the bound kinds (with their
 * status and finalizers), the kinds a stack owns (Roles and RoleBindings
 * among them, for ChronikCluster, without `bind` or `escalate`), Events, and
 * may list and delete Pods (for forced rollbacks) — nothing else; a Role for its leader-election
 * Lease in its own namespace; and a Deployment running as non-root with a
 * read-only root filesystem, probes on :8081 and metrics on :8080. The CRDs
 * are shipped here, so the operator itself needs no CRD permissions.
 */
export function operatorManifests(options: DeploymentOptions = defaultDeployment): KubeObject[] {
  const { namespace } = options;
  const meta = (name: string, namespaced = true): KubeObject["metadata"] => ({
    name,
    ...(namespaced ? { namespace } : {}),
    labels,
  });
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: meta(namespace, false) },
    ...operatorCrds(),
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("stackwarden-operator") },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: meta("stackwarden-operator", false),
      rules: [
        ...boundKinds.flatMap(({ type }) => [
          {
            apiGroups: [type.group],
            resources: [type.plural],
            verbs: ["get", "list", "watch", "update", "patch"],
          },
          {
            apiGroups: [type.group],
            resources: [`${type.plural}/status`],
            verbs: ["get", "update", "patch"],
          },
          { apiGroups: [type.group], resources: [`${type.plural}/finalizers`], verbs: ["update"] },
        ]),
        ...boundKinds.flatMap(({ references }) =>
          (references?.types ?? []).map((type) => ({
            apiGroups: [type.group],
            resources: [type.plural],
            verbs: ["get", "list", "watch"],
          })),
        ),
        ...ownedRules(),
        { apiGroups: ["apps"], resources: ["statefulsets/scale", "deployments/scale"], verbs: ["get"] },
        // Pods: list and delete for forced rollbacks; get and watch because a kind's Role
        // (ChronikCluster's) grants them, and RBAC lets no one grant what it does not hold.
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
        { apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["resourcequotas"], verbs: ["list"] },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
      ],
    } as KubeObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta("stackwarden-operator", false),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stackwarden-operator" },
      subjects: [{ kind: "ServiceAccount", name: "stackwarden-operator", namespace }],
    } as KubeObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta("stackwarden-leader-election"),
      rules: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
      ],
    } as KubeObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta("stackwarden-leader-election"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "stackwarden-leader-election" },
      subjects: [{ kind: "ServiceAccount", name: "stackwarden-operator", namespace }],
    } as KubeObject,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("stackwarden-operator"),
      spec: {
        replicas: options.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "stackwarden-operator",
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "operator",
                image: options.image,
                command: [...operatorCommand],
                args: ["operator", "--leader-elect", `--leader-election-namespace=${namespace}`],
                env: [
                  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                ],
                ports: [
                  { name: "metrics", containerPort: 8080, protocol: "TCP" },
                  { name: "probes", containerPort: 8081, protocol: "TCP" },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: "probes" }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: "/readyz", port: "probes" }, periodSeconds: 5 },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
      },
    } as KubeObject,
  ];
}

/** The manifests as one multi-document YAML stream (JSON documents, which are YAML). */
export function manifestsYaml(objects: readonly KubeObject[] = operatorManifests()): string {
  return `# Generated by \`npx stackwarden manifests\`; do not edit by hand.\n${objects
    .map((o) => `---\n${JSON.stringify(o, null, 2)}\n`)
    .join("")}`;
}
