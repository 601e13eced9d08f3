import { ChronikIoClusterSpecSchema, type ChronikIoClusterSpec } from "../../api/chronik-io-cluster.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { Prerequisite, Template } from "../template.ts";
import { buildNodeConfigMap } from "./build-config.ts";
import {
  buildClusterPdb,
  buildHeadlessService,
  buildNodeClaim,
  buildNodePod,
  buildNodeService,
} from "./build-node.ts";
import { nodeIds } from "./names.ts";

/** Every node's objects (ConfigMap, claim, Service, pod), node by node, then the cluster's budget. */
export function buildNodes(cluster: string, namespace: string, spec: ChronikIoClusterSpec): Manifest[] {
  return [
    ...nodeIds(spec).flatMap((id) => {
      const ctx = { cluster, namespace, spec, id };
      return [
        buildNodeConfigMap(cluster, namespace, id, spec),
        buildNodeClaim(ctx),
        buildNodeService(ctx),
        buildNodePod(ctx),
      ];
    }),
    buildClusterPdb(cluster, spec),
  ];
}

/**
 * The Secrets a node's pod reads before it can start: the admin API key, the
 * embedding API key when vector search is on, and every `env[].valueFromSecret`.
 * The cluster waits in Pending, naming the field, until they exist.
 */
export function chronikIoPrerequisites(spec: ChronikIoClusterSpec): Prerequisite[] {
  const out: Prerequisite[] = [];
  if (spec.adminApiKeySecret) {
    out.push({ kind: "Secret", name: spec.adminApiKeySecret.name, field: "/adminApiKeySecret/name" });
  }
  if (spec.vectorSearch?.enabled && spec.vectorSearch.apiKeySecret) {
    out.push({
      kind: "Secret",
      name: spec.vectorSearch.apiKeySecret.name,
      field: "/vectorSearch/apiKeySecret/name",
    });
  }
  spec.env.forEach((e, i) => {
    if (e.value === undefined && e.valueFromSecret) {
      out.push({ kind: "Secret", name: e.valueFromSecret.name, field: `/env/${i}/valueFromSecret/name` });
    }
  });
  return out;
}

/**
 * `chronik-io-cluster`: a Chronik Raft cluster as the rewritten
 * chronik-operator (`chronik.io`) runs it, the template behind that
 * `ChronikCluster` kind (its parameters are the kind's spec).
 *
 * Components: `headless` (Service `<c>-headless`) → `nodes` (per node n:
 * ConfigMap `<c>-<n>-config` with `cluster.toml`, claim `<c>-<n>-data`,
 * Service `<c>-<n>`, pod `<c>-<n>`; then the budget `<c>-pdb`). Nodes are
 * bare pods, as upstream runs them: a node whose pod spec changes is
 * replaced (deleted, then created). The claims go with their node (on
 * scale-down) and with the cluster; `storage` is fixed at creation. Changing
 * `image` is an upgrade.
 */
export const chronikIoCluster: Template<ChronikIoClusterSpec> = {
  name: "chronik-io-cluster",
  version: "1.0.0",
  description: "Chronik Stream Raft cluster (chronik.io API): one pod, Service, claim and config per node.",
  params: ChronikIoClusterSpecSchema,
  guardrails: {
    immutable: ["/storage/size", "/storage/storageClass", "/storage/accessModes"],
    adoptable: [],
  },
  components: [
    {
      name: "headless",
      dependsOn: [],
      healthDeadlineSeconds: 60,
      build: ({ stack, params }) => [buildHeadlessService(stack.name, params)],
    },
    {
      name: "nodes",
      dependsOn: ["headless"],
      healthDeadlineSeconds: 600,
      build: ({ stack, params }) => buildNodes(stack.name, stack.namespace, params),
    },
  ],
  upgrade: { fields: ["/image"] },
  ignore: [],
  generatedSecrets: [],
  prerequisites: chronikIoPrerequisites,
  data: { components: ["nodes"] },
};
