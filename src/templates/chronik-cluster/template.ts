import { ChronikClusterSpecSchema, type ChronikClusterSpec } from "../../api/chronik-cluster.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { Component, Prerequisite, RenderContext, Template } from "../template.ts";
import type { IgnoreRule } from "../../api/stack.ts";
import { buildChronikConfigMap } from "./build-config.ts";
import { buildNodeServices, buildNodeStatefulSet, isAutoscaled } from "./build-node-set.ts";
import { buildNodeHpa, buildNodePdb } from "./build-policies.ts";
import { buildChronikRbac } from "./build-rbac.ts";
import { chronikRoles, desiredReplicas, roleInfo, roleName, type ChronikRole } from "./roles.ts";

type Ctx = RenderContext<ChronikClusterSpec>;

/**
 * One role's objects: its StatefulSet, headless and client Services, PDB
 * and HPA when they apply — nothing for search nodes when `searchNodes` is
 * absent or 0. The engine applies them in kind waves (StatefulSet →
 * Services → PDB → HPA).
 */
export function buildRole(ctx: Ctx, role: ChronikRole): Manifest[] {
  const { stack, params } = ctx;
  if (desiredReplicas(params, role) === 0) return [];
  const node = { cluster: stack.name, namespace: stack.namespace, spec: params };
  return [
    buildNodeStatefulSet(node, role),
    ...buildNodeServices(node, role),
    ...[buildNodePdb(stack.name, params, role), buildNodeHpa(stack.name, params, role)].filter(
      (o): o is Manifest => o !== null,
    ),
  ];
}

/**
 * The fields the operator leaves alone for a cluster: the replicas of every
 * StatefulSet under an HPA. The builders already leave them out; as drift
 * ignore rules they also keep the HPA's changes from being reported as
 * drift. Typed kinds pass them as the stack view's `drift.ignore`, since a
 * template's own `ignore` list cannot depend on the spec.
 */
export function chronikIgnoreRules(cluster: string, spec: ChronikClusterSpec): IgnoreRule[] {
  return chronikRoles
    .filter((r) => isAutoscaled(spec, r.role) && desiredReplicas(spec, r.role) > 0)
    .map((r) => ({ kind: "StatefulSet", name: roleName(cluster, r.role), jsonPointer: "/spec/replicas" }));
}

/** The Secrets a cluster needs before it starts: metastore credentials, and the TLS Secret when TLS is on. */
export function chronikPrerequisites(spec: ChronikClusterSpec): Prerequisite[] {
  const out: Prerequisite[] = [
    {
      kind: "Secret",
      name: spec.metastore.connection.credentialsSecret,
      field: "/metastore/connection/credentialsSecret",
    },
  ];
  if (spec.security?.tlsEnabled && spec.security.tlsSecret) {
    out.push({ kind: "Secret", name: spec.security.tlsSecret, field: "/security/tlsSecret" });
  }
  return out;
}

const roleComponent = (role: ChronikRole, dependsOn: string[]): Component<ChronikClusterSpec> => ({
  name: roleInfo(role).component,
  dependsOn,
  healthDeadlineSeconds: 600,
  build: (ctx) => buildRole(ctx, role),
});

/**
 * `chronik-cluster`: a Chronik Stream cluster, the template behind the
 * `ChronikCluster` kind (its parameters are the kind's spec).
 *
 * Components: `rbac` (ServiceAccount, Role, RoleBinding `<cluster>`) →
 * `config` (ConfigMap `<cluster>-config`) → `controllers` (StatefulSet and
 * headless Service `<cluster>-controller`, gRPC 9090) → `ingest` (Kafka
 * 9092) and `search` (9093, only with search nodes) side by side. Every
 * node serves metrics on 8080 and health on 8081. It waits in Pending until
 * the metastore credentials Secret exists. Changing an image is an upgrade;
 * `storage.size` and `storage.storageClass` are fixed at creation (volume
 * claim templates are immutable).
 */
export const chronikCluster: Template<ChronikClusterSpec> = {
  name: "chronik-cluster",
  version: "1.0.0",
  description: "Chronik Stream cluster: controllers, Kafka-protocol ingest nodes and optional search nodes.",
  params: ChronikClusterSpecSchema,
  guardrails: { immutable: ["/storage/size", "/storage/storageClass"], adoptable: [] },
  components: [
    {
      name: "rbac",
      dependsOn: [],
      healthDeadlineSeconds: 60,
      build: ({ stack }) => buildChronikRbac(stack.name),
    },
    {
      name: "config",
      dependsOn: ["rbac"],
      healthDeadlineSeconds: 60,
      build: ({ stack, params }) => [buildChronikConfigMap(stack.name, stack.namespace, params)],
    },
    roleComponent("controller", ["config"]),
    roleComponent("ingest", ["controllers"]),
    roleComponent("search", ["controllers"]),
  ],
  upgrade: { fields: ["/image"] },
  ignore: [],
  generatedSecrets: [],
  prerequisites: chronikPrerequisites,
  data: { components: ["controllers", "ingest", "search"] },
};
