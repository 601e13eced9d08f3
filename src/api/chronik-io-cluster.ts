import { Type, type Static } from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { customResourceDefinition, type CrdSchema } from "./crd.ts";
import { ConditionSchema } from "./stack.ts";
import { stringEnum } from "./string-enum.ts";
import { quantityPattern } from "./chronik-cluster.ts";

/**
 * How the operator addresses the current Chronik API's `ChronikCluster`
 * (`chronik.io/v1alpha1`, namespaced): the kind of the rewritten
 * chronik-operator, beside the legacy `chronik.stream` one.
 */
export const chronikIoClusterResourceType: ResourceType = {
  group: "chronik.io",
  version: "v1alpha1",
  kind: "ChronikCluster",
  plural: "chronikclusters",
  namespaced: true,
};

/** The fewest nodes a Raft cluster accepts (the upstream operator fails below it; we refuse at admission). */
export const chronikIoMinReplicas = 3;

const closed = { additionalProperties: false } as const;
const Port = (defaultPort: number, description: string) =>
  Type.Integer({ default: defaultPort, minimum: 1, maximum: 65535, description });
const Quantity = (description: string) => Type.String({ pattern: quantityPattern, description });
const SecretKeyRef = (description: string) =>
  Type.Object(
    {
      name: Type.String({ minLength: 1, description: "Secret name." }),
      key: Type.String({ minLength: 1, description: "Key within the Secret." }),
    },
    { ...closed, description },
  );
const CpuMemory = (description: string) =>
  Type.Object(
    { cpu: Type.Optional(Quantity("CPU.")), memory: Type.Optional(Quantity("Memory.")) },
    {
      ...closed,
      description,
    },
  );

/** Schema of one `spec.listeners[]` entry: a named Kafka access point. */
export const ChronikListenerSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "Listener name (internal, external, …)." }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    type: stringEnum(["internal", "nodeport", "loadbalancer", "ingress"]),
    tls: Type.Boolean({ default: false }),
    tlsSecret: Type.Optional(Type.String({ minLength: 1, description: "TLS certificate Secret." })),
    nodePortBase: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, description: "Node N gets nodePortBase + N - 1." }),
    ),
  },
  closed,
);

/**
 * Schema of `ChronikCluster.spec` in `chronik.io/v1alpha1`, every field of
 * the rewritten operator's CRD (charts/chronik-operator/crds/chronikclusters.yaml)
 * with its defaults: a Raft cluster of `replicas` nodes (at least 3), its
 * ports, listeners, storage per node, object store, resources, scheduling,
 * security context and the optional schema registry and vector search.
 * Stricter than upstream only where upstream's operator refuses a value
 * later anyway (replicas below 3) or its descriptions name the values
 * (anti-affinity, pull policy, object store backend, fsGroupChangePolicy).
 */
export const ChronikIoClusterSpecSchema = Type.Object(
  {
    replicas: Type.Integer({
      default: 3,
      minimum: chronikIoMinReplicas,
      description: "Cluster nodes (at least 3 for a Raft quorum).",
    }),
    image: Type.String({ default: "ghcr.io/chronik-stream/chronik-server:latest", minLength: 1 }),
    imagePullPolicy: stringEnum(["Always", "IfNotPresent", "Never"], { default: "IfNotPresent" }),
    imagePullSecrets: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }) }, closed), {
      default: [],
    }),
    walPort: Port(9291, "WAL replication port (internal, same on each pod)."),
    raftPort: Port(5001, "Raft consensus port (internal, same on each pod)."),
    unifiedApiPort: Port(6092, "Unified API port."),
    metricsPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "Metrics port." })),
    listeners: Type.Array(ChronikListenerSchema, {
      default: [],
      description: "Named listeners; the first one's port is the Kafka port (9092 without listeners).",
    }),
    replicationFactor: Type.Integer({ default: 3, minimum: 1 }),
    minInsyncReplicas: Type.Integer({ default: 2, minimum: 1 }),
    autoRecover: Type.Boolean({ default: true, description: "Automatic quorum recovery." }),
    walProfile: Type.String({ default: "medium", description: "WAL commit profile." }),
    produceProfile: Type.String({ default: "balanced", description: "Produce handler flush profile." }),
    logLevel: Type.String({ default: "info", description: "Log level (RUST_LOG)." }),
    columnarEnabled: Type.Boolean({ default: false }),
    storage: Type.Optional(
      Type.Object(
        {
          size: Type.String({ default: "50Gi", pattern: quantityPattern }),
          storageClass: Type.String({ default: "standard", minLength: 1 }),
          accessModes: Type.Array(
            stringEnum(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]),
            { default: ["ReadWriteOnce"], minItems: 1 },
          ),
        },
        { ...closed, description: "Persistent storage per node (a claim `<cluster>-<n>-data`)." },
      ),
    ),
    objectStore: Type.Optional(
      Type.Object(
        {
          backend: stringEnum(["s3", "gcs", "azure", "local"]),
          bucket: Type.Optional(Type.String()),
          region: Type.Optional(Type.String()),
          endpoint: Type.Optional(Type.String({ description: "Endpoint override (MinIO, …)." })),
          prefix: Type.Optional(Type.String()),
          credentialsSecret: Type.Optional(Type.String({ minLength: 1 })),
        },
        { ...closed, description: "Object store for tiered storage." },
      ),
    ),
    resources: Type.Optional(
      Type.Object(
        { requests: Type.Optional(CpuMemory("Requests.")), limits: Type.Optional(CpuMemory("Limits.")) },
        closed,
      ),
    ),
    env: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          value: Type.Optional(Type.String()),
          valueFromSecret: Type.Optional(SecretKeyRef("Value from a Secret key.")),
        },
        closed,
      ),
      { default: [], description: "Extra environment variables." },
    ),
    adminApiKeySecret: Type.Optional(SecretKeyRef("Secret holding the admin API key.")),
    nodeSelector: Type.Optional(Type.Object({}, { additionalProperties: Type.String() })),
    tolerations: Type.Array(
      Type.Object(
        {
          key: Type.Optional(Type.String()),
          operator: Type.Optional(stringEnum(["Exists", "Equal"])),
          value: Type.Optional(Type.String()),
          effect: Type.Optional(stringEnum(["NoSchedule", "PreferNoSchedule", "NoExecute"])),
          toleration_seconds: Type.Optional(Type.Integer()),
        },
        closed,
      ),
      { default: [] },
    ),
    antiAffinity: stringEnum(["preferred", "required"], { default: "preferred" }),
    antiAffinityTopologyKey: Type.String({ default: "kubernetes.io/hostname", minLength: 1 }),
    podDisruptionBudget: Type.Optional(
      Type.Object({ maxUnavailable: Type.Integer({ default: 1, minimum: 0 }) }, closed),
    ),
    podSecurityContext: Type.Optional(
      Type.Object(
        {
          fsGroup: Type.Optional(Type.Integer({ minimum: 0 })),
          fsGroupChangePolicy: Type.Optional(stringEnum(["OnRootMismatch", "Always"])),
          runAsGroup: Type.Optional(Type.Integer({ minimum: 0 })),
          runAsNonRoot: Type.Optional(Type.Boolean()),
          runAsUser: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { ...closed, description: "Pod security context; fsGroup 1001 when omitted." },
      ),
    ),
    updateStrategy: Type.Optional(
      Type.Object(
        {
          maxUnavailable: Type.Integer({ default: 1, minimum: 1 }),
          restartDelaySecs: Type.Integer({ default: 30, minimum: 0 }),
        },
        closed,
      ),
    ),
    schemaRegistry: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false }),
          authEnabled: Type.Boolean({ default: false }),
          credentialsSecret: Type.Optional(Type.String({ minLength: 1 })),
        },
        closed,
      ),
    ),
    vectorSearch: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false }),
          provider: Type.String({ default: "openai" }),
          model: Type.String({ default: "text-embedding-3-small" }),
          apiKeySecret: Type.Optional(SecretKeyRef("Secret holding the embedding API key.")),
        },
        closed,
      ),
    ),
  },
  closed,
);

/** The phases a `chronik.io` ChronikCluster reports, in the rewritten operator's words (plus Deleting). */
export const chronikIoClusterPhases = [
  "Pending",
  "Bootstrapping",
  "Running",
  "Degraded",
  "Updating",
  "Failed",
  "Deleting",
] as const;
/** One of {@link chronikIoClusterPhases}. */
export type ChronikIoClusterPhase = (typeof chronikIoClusterPhases)[number];

/**
 * Schema of `ChronikCluster.status` (`chronik.io`): the upstream fields
 * (phase, ready and desired nodes, the Raft leader, per-node and
 * per-listener status, the headless Service, partition summary, conditions,
 * observedGeneration) and the Stack engine's own status under `stackwarden`.
 */
export const ChronikIoClusterStatusSchema = Type.Object(
  {
    phase: Type.Optional(stringEnum(chronikIoClusterPhases)),
    readyNodes: Type.Optional(Type.Integer({ minimum: 0 })),
    desiredNodes: Type.Optional(Type.Integer({ minimum: 0 })),
    leaderNodeId: Type.Optional(Type.Integer()),
    headlessService: Type.Optional(Type.String()),
    nodes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            nodeId: Type.Integer({ minimum: 1 }),
            podName: Type.String(),
            phase: Type.Optional(Type.String()),
            ready: Type.Boolean(),
            isLeader: Type.Boolean(),
            podIp: Type.Optional(Type.String()),
          },
          closed,
        ),
      ),
    ),
    listeners: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String(),
            type: stringEnum(["internal", "nodeport", "loadbalancer", "ingress"]),
            bootstrapServers: Type.String(),
          },
          closed,
        ),
      ),
    ),
    partitionSummary: Type.Optional(
      Type.Object(
        {
          totalPartitions: Type.Integer({ minimum: 0 }),
          inSyncPartitions: Type.Integer({ minimum: 0 }),
          underReplicatedPartitions: Type.Integer({ minimum: 0 }),
        },
        closed,
      ),
    ),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    stackwarden: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          "x-kubernetes-preserve-unknown-fields": true,
          description: "The Stack engine's status (phase, components, last known good spec).",
        },
      ),
    ),
  },
  closed,
);

/** `ChronikCluster.spec` (`chronik.io`) with its defaults applied, as the API server stores it. */
export type ChronikIoClusterSpec = Static<typeof ChronikIoClusterSpecSchema>;
/** `ChronikCluster.status` (`chronik.io`). */
export type ChronikIoClusterStatus = Static<typeof ChronikIoClusterStatusSchema>;
/** A `chronik.io` `ChronikCluster` custom resource. */
export type ChronikIoCluster = KubeObject & {
  readonly spec: ChronikIoClusterSpec;
  readonly status?: ChronikIoClusterStatus & { readonly stackwarden?: unknown };
};

/**
 * The CRD `chronikclusters.chronik.io`: short name `ccl`, the upstream
 * printer columns Ready, Desired, Leader, Phase and Age, the status
 * subresource and a scale subresource over `spec.replicas` (the node pods
 * are owned by the cluster, and the disruption controller sizes the
 * cluster's budget through its owner's scale; `kubectl scale` works too).
 * Same output on every call.
 */
export function chronikIoClusterCrd(): KubeObject & { spec: CrdSchema } {
  const crd = customResourceDefinition({
    group: chronikIoClusterResourceType.group,
    version: chronikIoClusterResourceType.version,
    kind: chronikIoClusterResourceType.kind,
    plural: chronikIoClusterResourceType.plural,
    singular: "chronikcluster",
    namespaced: true,
    shortNames: ["ccl"],
    categories: ["chronik"],
    spec: ChronikIoClusterSpecSchema,
    status: ChronikIoClusterStatusSchema,
    printerColumns: [
      { name: "Ready", type: "integer", jsonPath: ".status.readyNodes", description: "Ready nodes" },
      { name: "Desired", type: "integer", jsonPath: ".status.desiredNodes", description: "Desired nodes" },
      { name: "Leader", type: "integer", jsonPath: ".status.leaderNodeId", description: "Raft leader" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
    ],
  });
  const [version] = crd.spec["versions"] as Array<{ subresources: Record<string, unknown> }>;
  version!.subresources["scale"] = {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.readyNodes",
  };
  return crd;
}
