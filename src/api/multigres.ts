import { Type, type Static, type TInteger } from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { customResourceDefinition, type CrdSchema } from "./crd.ts";
import { ConditionSchema } from "./stack.ts";
import { stringEnum } from "./string-enum.ts";

/** How the operator addresses `Multigres` objects (`multigres.com/v1alpha1`, namespaced, plural `multigreses`). */
export const multigresResourceType: ResourceType = {
  group: "multigres.com",
  version: "v1alpha1",
  kind: "Multigres",
  plural: "multigreses",
  namespaced: true,
};

/** The image of the multigateway, multiorch, multipooler and pgctld containers when `spec.image` is not set. */
export const multigresDefaultImage = "multigres/multigres:latest";

const closed = { additionalProperties: false } as const;

/**
 * A Kubernetes quantity as the API server accepts it in `resources` (`500m`, `2`, `1Gi`). An
 * `Any` underneath, so the operator's validation accepts what the API server's int-or-string
 * check already accepted (a bare `Unsafe` schema made TypeBox throw "Unknown type").
 */
const Quantity = Type.Unsafe<string | number>(
  Type.Any({
    "x-kubernetes-int-or-string": true,
    description: "A Kubernetes quantity, e.g. 500m, 2 or 1Gi.",
  }),
);

/** Schema of a container's `resources`: requests and limits by resource name. */
export const ResourcesSchema = Type.Object(
  {
    requests: Type.Optional(Type.Object({}, { additionalProperties: Quantity })),
    limits: Type.Optional(Type.Object({}, { additionalProperties: Quantity })),
  },
  closed,
);

/** Schema of a data volume: its size (fixed at creation) and StorageClass. */
export const StorageSchema = Type.Object(
  {
    size: Type.String({
      default: "10Gi",
      pattern: "^\\d+(Mi|Gi|Ti)$",
      description: "Volume size, e.g. 10Gi.",
    }),
    storageClassName: Type.Optional(Type.String({ minLength: 1 })),
  },
  { ...closed, default: {} },
);

/**
 * Schema of a component's HorizontalPodAutoscaler. The API server refuses
 * `minReplicas > maxReplicas` and `enabled` without `maxReplicas`, with the
 * field path (CEL rules).
 */
export const AutoscalingSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    minReplicas: Type.Optional(Type.Integer({ minimum: 1 })),
    maxReplicas: Type.Optional(Type.Integer({ minimum: 1 })),
    targetCPUUtilizationPercentage: Type.Integer({ minimum: 1, maximum: 100, default: 80 }),
  },
  {
    ...closed,
    default: {},
    "x-kubernetes-validations": [
      {
        rule: "!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
        message: "minReplicas must not be greater than maxReplicas",
        fieldPath: ".minReplicas",
      },
      {
        rule: "!has(self.enabled) || !self.enabled || has(self.maxReplicas)",
        message: "maxReplicas is required when autoscaling is enabled",
        fieldPath: ".maxReplicas",
      },
    ],
  },
);

const replicas = (fallback: number): TInteger => Type.Integer({ minimum: 0, default: fallback });

/** Schema of `Multigres.spec`: every block optional, its defaults filled in by the API server. */
export const MultigresSpecSchema = Type.Object(
  {
    image: Type.String({ minLength: 1, default: multigresDefaultImage }),
    imagePullPolicy: Type.Optional(stringEnum(["Always", "IfNotPresent", "Never"])),
    etcd: Type.Object(
      {
        replicas: Type.Integer({
          minimum: 1,
          maximum: 7,
          default: 3,
          description: "Members of the etcd cluster: an odd number from 1 to 7.",
          "x-kubernetes-validations": [{ rule: "self % 2 == 1", message: "must be odd (1, 3, 5 or 7)" }],
        }),
        image: Type.Optional(
          Type.String({ minLength: 1, description: "The etcd image; a pinned etcd release when not set." }),
        ),
        storage: StorageSchema,
        resources: Type.Optional(ResourcesSchema),
      },
      { ...closed, default: {} },
    ),
    multigateway: Type.Object(
      {
        replicas: replicas(2),
        resources: Type.Optional(ResourcesSchema),
        serviceType: stringEnum(["ClusterIP", "NodePort", "LoadBalancer"], { default: "ClusterIP" }),
        autoscaling: AutoscalingSchema,
      },
      { ...closed, default: {} },
    ),
    multiorch: Type.Object(
      { replicas: replicas(1), resources: Type.Optional(ResourcesSchema), autoscaling: AutoscalingSchema },
      { ...closed, default: {} },
    ),
    multipooler: Type.Object(
      {
        replicas: replicas(2),
        storage: StorageSchema,
        pooler: Type.Object({ resources: Type.Optional(ResourcesSchema) }, { ...closed, default: {} }),
        pgctld: Type.Object({ resources: Type.Optional(ResourcesSchema) }, { ...closed, default: {} }),
        postgres: Type.Object(
          {
            image: Type.String({ minLength: 1, default: "postgres:17" }),
            resources: Type.Optional(ResourcesSchema),
          },
          { ...closed, default: {} },
        ),
        autoscaling: AutoscalingSchema,
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);

/** `Multigres.spec` with its defaults applied. */
export type MultigresSpec = Static<typeof MultigresSpecSchema>;

/** The phases of a Multigres, as its users read them (the engine's names). */
export const multigresPhases = ["Pending", "Installing", "Ready", "Failed", "Upgrading"] as const;
/** One of {@link multigresPhases}. */
export type MultigresPhase = (typeof multigresPhases)[number];

/** The four components, in the order the status lists them. */
export const multigresComponents = ["etcd", "multigateway", "multiorch", "multipooler"] as const;
/** One of {@link multigresComponents}. */
export type MultigresComponent = (typeof multigresComponents)[number];

/** Schema of one component's status: readiness, replica counts and its conditions. */
export const MultigresComponentStatusSchema = Type.Object(
  {
    ready: Type.Boolean(),
    replicas: Type.Integer({ minimum: 0 }),
    readyReplicas: Type.Integer({ minimum: 0 }),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
  },
  closed,
);
/** One component's status. */
export type MultigresComponentStatus = Static<typeof MultigresComponentStatusSchema>;

/** Schema of `Multigres.status`; `stackwarden` keeps the engine's own status unchanged. */
export const MultigresStatusSchema = Type.Object(
  {
    phase: Type.Optional(stringEnum(multigresPhases)),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    components: Type.Optional(
      Type.Object(
        {
          etcd: Type.Optional(MultigresComponentStatusSchema),
          multigateway: Type.Optional(MultigresComponentStatusSchema),
          multiorch: Type.Optional(MultigresComponentStatusSchema),
          multipooler: Type.Optional(MultigresComponentStatusSchema),
        },
        closed,
      ),
    ),
    stackwarden: Type.Optional(
      Type.Object({}, { additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true }),
    ),
  },
  closed,
);

/** A `Multigres` object as the operator reads it (the spec may lack defaults the API server did not fill). */
export interface Multigres extends KubeObject {
  spec?: Partial<MultigresSpec>;
  status?: Record<string, unknown>;
}

/**
 * The CRD `multigreses.multigres.com`: short name `mg`, the structural schema
 * of {@link MultigresSpecSchema} (odd etcd replicas and autoscaling
 * `minReplicas <= maxReplicas` are CEL rules, so the API server refuses
 * them with the field path), the status subresource, and printer columns
 * Ready, Etcd, Gateway, Pooler and Age. Same output on every call.
 */
export function multigresCrd(): KubeObject & { spec: CrdSchema } {
  return customResourceDefinition({
    group: multigresResourceType.group,
    version: multigresResourceType.version,
    kind: multigresResourceType.kind,
    plural: multigresResourceType.plural,
    singular: "multigres",
    namespaced: true,
    shortNames: ["mg"],
    spec: MultigresSpecSchema,
    status: MultigresStatusSchema,
    printerColumns: [
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Etcd", type: "boolean", jsonPath: ".status.components.etcd.ready" },
      { name: "Gateway", type: "boolean", jsonPath: ".status.components.multigateway.ready" },
      { name: "Pooler", type: "boolean", jsonPath: ".status.components.multipooler.ready" },
    ],
  });
}
