import { Type, type Static, type TString, type TUnsafe } from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { customResourceDefinition, type CrdSchema } from "./crd.ts";
import { ConditionSchema } from "./stack.ts";
import { stringEnum } from "./string-enum.ts";

/** How the operator addresses `ChronikCluster` objects (`chronik.stream/v1alpha1`, namespaced). */
export const chronikClusterResourceType: ResourceType = {
  group: "chronik.stream",
  version: "v1alpha1",
  kind: "ChronikCluster",
  plural: "chronikclusters",
  namespaced: true,
};

/** `chronik.stream/v1alpha1`. */
export const chronikClusterApiVersion = `${chronikClusterResourceType.group}/${chronikClusterResourceType.version}`;

const closed = { additionalProperties: false } as const;
/** A free-form Kubernetes object (affinity, security contexts, tolerations): kept as written. */
const FreeForm = (description: string): ReturnType<typeof Type.Object> =>
  Type.Object({}, { additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true, description });
/** A map of strings (labels, annotations, node selectors). */
const StringMap = (description: string): ReturnType<typeof Type.Object> =>
  Type.Object({}, { additionalProperties: Type.String(), description });

/** The pattern of a Kubernetes resource quantity (`500m`, `2`, `4Gi`, `1e3`), as the API server parses it. */
export const quantityPattern =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
const Quantity = (description: string): TString => Type.String({ pattern: quantityPattern, description });

/** CEL rule: a field is required when `backend` names its block. */
const backendBlock = (backend: string): Record<string, string> => ({
  rule: `self.backend != '${backend}' || has(self.${backend})`,
  message: `${backend} is required when backend is ${backend}`,
  fieldPath: `.${backend}`,
  reason: "FieldValueRequired",
});

/** Schema of `spec.storage`: the object store backend and the per-node volume. */
export const ChronikStorageSchema = Type.Object(
  {
    backend: stringEnum(["s3", "gcs", "azure", "local"], { description: "Object storage backend." }),
    s3: Type.Optional(
      Type.Object(
        {
          bucket: Type.String({ minLength: 1 }),
          region: Type.String(),
          endpoint: Type.Optional(Type.String()),
        },
        closed,
      ),
    ),
    gcs: Type.Optional(Type.Object({ bucket: Type.String({ minLength: 1 }) }, closed)),
    azure: Type.Optional(
      Type.Object(
        { container: Type.String({ minLength: 1 }), account: Type.String({ minLength: 1 }) },
        closed,
      ),
    ),
    size: Type.Optional(Quantity("Volume size per node (default 10Gi).")),
    storageClass: Type.Optional(Type.String({ description: "StorageClass of the per-node volumes." })),
  },
  {
    ...closed,
    "x-kubernetes-validations": [backendBlock("s3"), backendBlock("gcs"), backendBlock("azure")],
  },
);

/** Schema of `spec.metastore`: the PostgreSQL database holding Chronik's metadata. */
export const ChronikMetastoreSchema = Type.Object(
  {
    database: stringEnum(["postgres"], { default: "postgres" }),
    connection: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ default: 5432, minimum: 1, maximum: 65535 }),
        database: Type.String({ default: "chronik", minLength: 1 }),
        credentialsSecret: Type.String({
          default: "chronik-postgres-secret",
          minLength: 1,
          description: "Secret with the database credentials; the cluster waits in Pending until it exists.",
        }),
      },
      closed,
    ),
  },
  closed,
);

/** Schema of one component's resources: requests and optional limits, each a Kubernetes quantity. */
export const ChronikResourcesSchema = Type.Object(
  {
    cpu: Type.Optional(Quantity("CPU request.")),
    memory: Type.Optional(Quantity("Memory request.")),
    cpuLimit: Type.Optional(Quantity("CPU limit.")),
    memoryLimit: Type.Optional(Quantity("Memory limit.")),
  },
  closed,
);

/**
 * One custom autoscaling metric: its name, how the target is read (`Utilization`: a resource's
 * average utilization in percent; `AverageValue`: a per-pod metric's average; `Value`: an external
 * metric's value) and the target, a quantity (a whole percentage for `Utilization`).
 */
export const ChronikCustomMetricSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253 }),
    targetType: stringEnum(["Utilization", "Value", "AverageValue"]),
    targetValue: Type.String({ minLength: 1, maxLength: 64 }),
  },
  {
    ...closed,
    "x-kubernetes-validations": [
      {
        rule: "self.targetType != 'Utilization' || self.targetValue.matches('^[0-9]+$')",
        message: "targetValue must be a whole percentage when targetType is Utilization",
        fieldPath: ".targetValue",
      },
    ],
  },
);

/** Schema of one component's autoscaling; the API server refuses `minReplicas > maxReplicas`. */
export const ChronikAutoscalingSchema = Type.Object(
  {
    minReplicas: Type.Integer({ minimum: 1 }),
    maxReplicas: Type.Integer({ minimum: 1 }),
    targetCpuUtilizationPercentage: Type.Optional(Type.Integer({ minimum: 1 })),
    targetMemoryUtilizationPercentage: Type.Optional(Type.Integer({ minimum: 1 })),
    customMetrics: Type.Optional(Type.Array(ChronikCustomMetricSchema, { maxItems: 20 })),
  },
  {
    ...closed,
    "x-kubernetes-validations": [
      {
        rule: "self.minReplicas <= self.maxReplicas",
        message: "minReplicas must be less than or equal to maxReplicas",
        fieldPath: ".minReplicas",
      },
    ],
  },
);

const IntOrString = (description: string): TUnsafe<number | string> =>
  Type.Unsafe<number | string>(Type.Any({ "x-kubernetes-int-or-string": true, description }));

/**
 * Schema of `ChronikCluster.spec`, as the Chronik Stream operator's users
 * write it: controllers and ingest nodes (default 3, at least 1), optional
 * search nodes, the storage backend with its block, the PostgreSQL metastore
 * (port 5432, database `chronik`, Secret `chronik-postgres-secret` by
 * default), resources as Kubernetes quantities, images, monitoring, network,
 * security, per-component autoscaling, a disruption budget and pod
 * placement. Unknown fields are refused; Kubernetes types too big to copy
 * (affinity, tolerations, security contexts) are kept as written.
 */
export const ChronikClusterSpecSchema = Type.Object(
  {
    controllers: Type.Integer({
      default: 3,
      minimum: 1,
      description: "Controller nodes (an odd number keeps a quorum).",
    }),
    ingestNodes: Type.Integer({ default: 3, minimum: 1, description: "Ingest nodes (Kafka protocol)." }),
    searchNodes: Type.Optional(
      Type.Integer({ minimum: 0, description: "Search nodes; none when absent or 0." }),
    ),
    storage: ChronikStorageSchema,
    metastore: ChronikMetastoreSchema,
    resources: Type.Optional(
      Type.Object(
        {
          controller: Type.Optional(ChronikResourcesSchema),
          ingest: Type.Optional(ChronikResourcesSchema),
          search: Type.Optional(ChronikResourcesSchema),
        },
        closed,
      ),
    ),
    image: Type.Optional(
      Type.Object(
        {
          controller: Type.Optional(Type.String({ minLength: 1 })),
          ingest: Type.Optional(Type.String({ minLength: 1 })),
          search: Type.Optional(Type.String({ minLength: 1 })),
          pullPolicy: Type.Optional(stringEnum(["Always", "IfNotPresent", "Never"])),
          pullSecrets: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        },
        closed,
      ),
    ),
    monitoring: Type.Optional(
      Type.Object(
        {
          prometheus: Type.Boolean({ default: false }),
          tracing: Type.Boolean({ default: false }),
          otlpEndpoint: Type.Optional(Type.String()),
        },
        closed,
      ),
    ),
    network: Type.Optional(
      Type.Object(
        {
          serviceType: Type.Optional(stringEnum(["ClusterIP", "NodePort", "LoadBalancer"])),
          loadBalancerSourceRanges: Type.Optional(Type.Array(Type.String())),
          hostNetwork: Type.Optional(
            Type.Boolean({ description: "Run the pods in the node's network namespace." }),
          ),
          dnsPolicy: Type.Optional(
            stringEnum(["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"], {
              description:
                "The pods' DNS policy (ClusterFirstWithHostNet when hostNetwork is on and none is given).",
            }),
          ),
        },
        closed,
      ),
    ),
    security: Type.Optional(
      Type.Object(
        {
          tlsEnabled: Type.Boolean({ default: false }),
          tlsSecret: Type.Optional(Type.String({ minLength: 1 })),
          mtlsEnabled: Type.Optional(Type.Boolean()),
          podSecurityContext: Type.Optional(
            FreeForm("Replaces the default (restricted) pod security context."),
          ),
          containerSecurityContext: Type.Optional(
            FreeForm("Replaces the default (restricted, read-only root) container security context."),
          ),
        },
        closed,
      ),
    ),
    autoscaling: Type.Optional(
      Type.Object(
        {
          controllers: Type.Optional(ChronikAutoscalingSchema),
          ingestNodes: Type.Optional(ChronikAutoscalingSchema),
          searchNodes: Type.Optional(ChronikAutoscalingSchema),
        },
        closed,
      ),
    ),
    podDisruptionBudget: Type.Optional(
      Type.Object(
        {
          minAvailable: Type.Optional(IntOrString("Pods that must stay available (number or percentage).")),
          maxUnavailable: Type.Optional(IntOrString("Pods that may be unavailable (number or percentage).")),
        },
        {
          ...closed,
          "x-kubernetes-validations": [
            {
              rule: "!(has(self.minAvailable) && has(self.maxUnavailable))",
              message: "minAvailable and maxUnavailable are mutually exclusive",
            },
          ],
        },
      ),
    ),
    podAnnotations: Type.Optional(StringMap("Added to every pod.")),
    podLabels: Type.Optional(StringMap("Added to every pod.")),
    nodeSelector: Type.Optional(StringMap("Node selector of every pod.")),
    tolerations: Type.Optional(Type.Array(FreeForm("A Kubernetes toleration."))),
    affinity: Type.Optional(FreeForm("Kubernetes affinity of every pod.")),
  },
  closed,
);

/** The phases a ChronikCluster reports, as its users know them. */
export const chronikClusterPhases = [
  "Pending",
  "Creating",
  "Running",
  "Updating",
  "Failed",
  "Deleting",
] as const;
/** One of {@link chronikClusterPhases}. */
export type ChronikClusterPhase = (typeof chronikClusterPhases)[number];

const Replicas = Type.Integer({ minimum: 0 });

/**
 * Schema of `ChronikCluster.status`: the phase, endpoint lists per
 * component, ready replicas, conditions (ControllersReady, IngestNodesReady,
 * SearchNodesReady, Ready), and the Stack engine's own status under
 * `stackwarden`. Every field is optional: the operator fills it step by step.
 */
export const ChronikClusterStatusSchema = Type.Object(
  {
    phase: Type.Optional(stringEnum(chronikClusterPhases)),
    controllers: Type.Optional(Type.Array(Type.String())),
    ingestNodes: Type.Optional(Type.Array(Type.String())),
    searchNodes: Type.Optional(Type.Array(Type.String())),
    readyReplicas: Type.Optional(
      Type.Object({ controllers: Replicas, ingestNodes: Replicas, searchNodes: Replicas }, closed),
    ),
    lastUpdated: Type.Optional(Type.String()),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    stackwarden: Type.Optional(
      FreeForm("The Stack engine's status (phase, components, last known good spec)."),
    ),
  },
  closed,
);

/** `ChronikCluster.spec` with its defaults applied (as the API server stores it). */
export type ChronikClusterSpec = Static<typeof ChronikClusterSpecSchema>;
/** `ChronikCluster.status`. */
export type ChronikClusterStatus = Static<typeof ChronikClusterStatusSchema>;
/** A `ChronikCluster` custom resource. */
export type ChronikCluster = KubeObject & {
  readonly spec: ChronikClusterSpec;
  readonly status?: ChronikClusterStatus & { readonly stackwarden?: unknown };
};

/**
 * The CRD `chronikclusters.chronik.stream`: short name `ck`, status
 * subresource, printer columns Phase, Controllers, Ingest, Search (ready
 * replicas) and Age, and CEL rules the API server enforces with the field
 * path: a backend's block is required for s3, gcs and azure, and
 * `minReplicas <= maxReplicas` in every autoscaling block; every optional
 * field nullable. Same output on every call.
 */
export function chronikClusterCrd(): KubeObject & { spec: CrdSchema } {
  const crd = customResourceDefinition({
    group: chronikClusterResourceType.group,
    version: chronikClusterResourceType.version,
    kind: chronikClusterResourceType.kind,
    plural: chronikClusterResourceType.plural,
    singular: "chronikcluster",
    namespaced: true,
    shortNames: ["ck"],
    categories: ["chronik"],
    spec: ChronikClusterSpecSchema,
    status: ChronikClusterStatusSchema,
    printerColumns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      {
        name: "Controllers",
        type: "integer",
        jsonPath: ".status.readyReplicas.controllers",
        description: "Ready controllers",
      },
      {
        name: "Ingest",
        type: "integer",
        jsonPath: ".status.readyReplicas.ingestNodes",
        description: "Ready ingest nodes",
      },
      {
        name: "Search",
        type: "integer",
        jsonPath: ".status.readyReplicas.searchNodes",
        description: "Ready search nodes",
      },
    ],
  });
  const version = (crd.spec["versions"] as Array<{ schema: { openAPIV3Schema: CrdSchema } }>)[0]!;
  nullableOptionals((version.schema.openAPIV3Schema["properties"] as Record<string, CrdSchema>)["spec"]!);
  return crd;
}

/**
 * Marks every optional property below `schema` `nullable`, as the Rust operator's CRD marks its
 * `Option` fields: a manifest its serializer wrote with `field: null` is accepted, and the
 * operator reads the null as absent. Changes `schema`.
 */
function nullableOptionals(schema: CrdSchema): void {
  const required = new Set((schema["required"] as string[] | undefined) ?? []);
  for (const [name, child] of Object.entries((schema["properties"] ?? {}) as Record<string, CrdSchema>)) {
    // The API server still refuses a null for an enum (dnsPolicy, serviceType…), even listed.
    if (!required.has(name)) child["nullable"] = true;
    nullableOptionals(child);
    const items = child["items"] as CrdSchema | undefined;
    if (items) nullableOptionals(items);
  }
}
