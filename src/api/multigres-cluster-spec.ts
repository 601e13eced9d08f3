import { Type, type Static, type TArray, type TSchema, type TString, type TUnsafe } from "@sinclair/typebox";
import { stringEnum } from "./string-enum.ts";

/**
 * The spec of `MultigresCluster` (multigres.com/v1alpha1) as multigres/multigres-operator
 * defines it in `api/v1alpha1/` (MultigresClusterSpec and the types it embeds): the same field
 * names, bounds, patterns and CEL rules. Kubernetes core types it embeds (Affinity,
 * ResourceRequirements, Toleration, TopologySpreadConstraint, LocalObjectReference) are kept
 * whole, as Kubernetes defines them: the API server checks them again on the pods.
 */

const closed = { additionalProperties: false } as const;
type TRecordLike = TUnsafe<Record<string, string>>;
const opt = <T extends TSchema>(t: T) => Type.Optional(t);
const cel = (rule: string, message: string): { rule: string; message: string } => ({ rule, message });

/** A Kubernetes core type kept whole (its fields are Kubernetes's, checked on the pod). */
const core = (description: string): TUnsafe<Record<string, unknown>> =>
  Type.Unsafe<Record<string, unknown>>(
    Type.Any({ type: "object", "x-kubernetes-preserve-unknown-fields": true, description }),
  );
const coreList = (description: string): TArray<TUnsafe<Record<string, unknown>>> =>
  Type.Array(core(description));
const stringMap = (maxProperties: number, rule?: ReturnType<typeof cel>): TRecordLike =>
  Type.Unsafe<Record<string, string>>(
    Type.Object(
      {},
      {
        additionalProperties: Type.String(),
        maxProperties,
        ...(rule && { "x-kubernetes-validations": [rule] }),
      },
    ),
  );
const dnsName = (maxLength: number): TString =>
  Type.String({ minLength: 1, maxLength, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" });
const templateRef = (): TString => Type.String({ minLength: 1, maxLength: 63 });
const imageRef = (): TString => Type.String({ minLength: 1, maxLength: 512 });
const duration = (): TString => Type.String({ pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$" });
const retention = (): TSchema => stringEnum(["Retain", "Delete"]);
const podAnnotations = (): TRecordLike =>
  stringMap(
    20,
    cel(
      "self.all(k, size(k) < 64 && size(self[k]) < 256)",
      "annotation keys must be <64 chars and values <256 chars",
    ),
  );
const podLabels = (): TRecordLike =>
  stringMap(
    20,
    cel("self.all(k, size(k) < 64 && size(self[k]) < 64)", "label keys and values must be <64 chars"),
  );

/** `pvcDeletionPolicy`: what happens to volumes when the cluster is deleted or scaled down. */
export const PvcDeletionPolicySchema = Type.Object(
  { whenDeleted: opt(retention()), whenScaled: opt(retention()) },
  closed,
);

/** A data volume: size, StorageClass and access modes. */
export const StorageSpecSchema = Type.Object(
  {
    size: opt(Type.String({ maxLength: 63, pattern: "^([0-9]+)(.+)$" })),
    class: opt(Type.String({ minLength: 1, maxLength: 63 })),
    accessModes: opt(Type.Array(Type.String())),
  },
  closed,
);

const statelessFields = {
  replicas: opt(Type.Integer({ minimum: 0, maximum: 128 })),
  resources: opt(core("ResourceRequirements")),
  affinity: opt(core("Affinity")),
  podAnnotations: opt(podAnnotations()),
  podLabels: opt(podLabels()),
};
/** A stateless component (multiadmin, multiadmin-web): replicas, resources, affinity, pod metadata. */
export const StatelessSpecSchema = Type.Object(statelessFields, closed);
/** Tolerations of a component's pods. */
export const PlacementSchema = Type.Object({ tolerations: opt(coreList("Toleration")) }, closed);
/** Where topology-server pods may run: node selector, affinity, tolerations, spread. */
export const TopoPlacementSchema = Type.Object(
  {
    nodeSelector: opt(Type.Object({}, { additionalProperties: Type.String() })),
    affinity: opt(core("Affinity")),
    tolerations: opt(coreList("Toleration")),
    topologySpreadConstraints: opt(coreList("TopologySpreadConstraint")),
  },
  closed,
);

/** The multigateway of a cell, with its failover buffering. */
export const MultigatewaySpecSchema = Type.Object(
  {
    ...statelessFields,
    buffer: opt(
      Type.Object(
        {
          enabled: opt(Type.Boolean()),
          window: opt(duration()),
          maxFailoverDuration: opt(duration()),
          minTimeBetweenFailovers: opt(duration()),
          size: opt(Type.Integer({ minimum: 1 })),
          drainConcurrency: opt(Type.Integer({ minimum: 1 })),
        },
        closed,
      ),
    ),
  },
  closed,
);

/** The multiorch of a shard and the cells it runs in. */
export const MultiorchSpecSchema = Type.Object(
  {
    ...statelessFields,
    placement: opt(PlacementSchema),
    cells: opt(Type.Array(dnsName(30), { maxItems: 50, "x-kubernetes-list-type": "set" })),
  },
  closed,
);

/** An etcd cluster the operator runs (global or cell-local topology). */
export const EtcdSpecSchema = Type.Object(
  {
    image: opt(imageRef()),
    replicas: opt(
      Type.Integer({
        minimum: 1,
        "x-kubernetes-validations": [
          cel(
            "self % 2 == 1",
            "etcd replicas must be an odd number (1, 3, 5); even numbers provide no additional fault tolerance over the next lower odd number",
          ),
        ],
      }),
    ),
    storage: opt(StorageSpecSchema),
    resources: opt(core("ResourceRequirements")),
    rootPath: opt(Type.String({ minLength: 1, maxLength: 512 })),
    pvcDeletionPolicy: opt(PvcDeletionPolicySchema),
  },
  closed,
);

/** A topology server the operator does not run. */
export const ExternalTopoServerSchema = Type.Object(
  {
    endpoints: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), {
      minItems: 1,
      maxItems: 20,
      "x-kubernetes-list-type": "set",
      "x-kubernetes-validations": [
        cel("self.all(x, x.matches('^https?://'))", "endpoints must be valid URLs"),
      ],
    }),
    implementation: opt(Type.String()),
    caSecret: opt(Type.String({ maxLength: 253 })),
    clientCertSecret: opt(Type.String({ maxLength: 253 })),
    rootPath: opt(Type.String({ minLength: 1, maxLength: 512 })),
  },
  closed,
);

const container = Type.Object(
  {
    resources: opt(core("ResourceRequirements")),
    runAsUser: opt(Type.Integer({ minimum: 1 })),
    runAsGroup: opt(Type.Integer({ minimum: 0 })),
  },
  closed,
);

/** A pool of Postgres instances with their multipooler, per cell. */
export const PoolSpecSchema = Type.Object(
  {
    type: opt(stringEnum(["readWrite"])),
    cells: opt(
      Type.Array(dnsName(30), {
        minItems: 1,
        maxItems: 10,
        "x-kubernetes-list-type": "set",
        "x-kubernetes-validations": [
          cel("oldSelf.all(c, c in self)", "Cells cannot be removed from a pool (Append-Only)"),
        ],
      }),
    ),
    replicasPerCell: opt(Type.Integer({ minimum: 1, maximum: 32 })),
    storage: opt(StorageSpecSchema),
    postgres: opt(container),
    multipooler: opt(container),
    affinity: opt(core("Affinity")),
    tolerations: opt(coreList("Toleration")),
    fsGroup: opt(Type.Integer({ minimum: 1 })),
    pvcDeletionPolicy: opt(PvcDeletionPolicySchema),
  },
  closed,
);

const s3Rules = [
  cel(
    "!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.credentialsSecret) && size(self.credentialsSecret) > 0)",
    "serviceAccountName and credentialsSecret are mutually exclusive",
  ),
  cel(
    "!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.useEnvCredentials) && self.useEnvCredentials)",
    "serviceAccountName and useEnvCredentials are mutually exclusive — IRSA credentials are handled automatically",
  ),
];

/** pgBackRest backups: a volume or an S3 bucket, TLS and encryption. */
export const BackupConfigSchema = Type.Object(
  {
    type: stringEnum(["filesystem", "s3"]),
    filesystem: opt(Type.Object({ path: opt(Type.String()), storage: opt(StorageSpecSchema) }, closed)),
    s3: opt(
      Type.Object(
        {
          bucket: Type.String({ minLength: 1 }),
          region: Type.String({ minLength: 1 }),
          endpoint: opt(Type.String()),
          keyPrefix: opt(Type.String()),
          useEnvCredentials: opt(Type.Boolean()),
          credentialsSecret: opt(Type.String()),
          serviceAccountName: opt(Type.String()),
        },
        { ...closed, "x-kubernetes-validations": s3Rules },
      ),
    ),
    pgbackrestTLS: opt(Type.Object({ secretName: opt(Type.String()) }, closed)),
    encryption: opt(Type.Object({ secretName: Type.String({ minLength: 1 }) }, closed)),
  },
  {
    ...closed,
    "x-kubernetes-validations": [
      cel("self.type != 's3' || has(self.s3)", "s3 config is required when type is 's3'"),
      cel(
        "self.type != 'filesystem' || has(self.filesystem)",
        "filesystem config is required when type is 'filesystem'",
      ),
    ],
  },
);

/** The rules on a shard's pools map: `nameRule` on the pool names, and append-only. */
export const poolsRules = (nameRule: string, nameMessage: string): Array<ReturnType<typeof cel>> => [
  cel(nameRule, nameMessage),
  cel("oldSelf.all(k, k in self)", "Pools cannot be removed or renamed in this version (Append-Only)"),
];
/** The pools of a shard, keyed by pool name, with `rules` on the map. */
export const poolsMap = (rules: Array<ReturnType<typeof cel>>): TSchema =>
  Type.Object(
    {},
    { additionalProperties: PoolSpecSchema, maxProperties: 8, "x-kubernetes-validations": rules },
  );
/** A shard's body but its pools: multiorch, initdb arguments, Postgres configuration. */
export const shardBodyFields = {
  multiorch: opt(MultiorchSpecSchema),
  initdbArgs: opt(Type.String({ maxLength: 512 })),
  postgresConfigRef: opt(
    Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 253 }),
        key: Type.String({ minLength: 1, maxLength: 253 }),
      },
      closed,
    ),
  ),
  postgresConfig: opt(Type.Object({}, { additionalProperties: Type.String(), maxProperties: 200 })),
};
const shardBody = {
  ...shardBodyFields,
  pools: opt(
    Type.Unsafe<Record<string, PoolSpec>>(
      poolsMap(poolsRules("self.all(key, size(key) <= 25)", "pool names must be <= 25 chars")),
    ),
  ),
};

/** A shard of a table group: its multiorch and its pools, inline or from a ShardTemplate. */
export const ShardConfigSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 25,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
      "x-kubernetes-validations": [
        cel("self == '0-inf'", "shardName must be strictly equal to '0-inf' in this version"),
      ],
    }),
    shardTemplate: opt(templateRef()),
    overrides: opt(Type.Object(shardBody, closed)),
    spec: opt(Type.Object({ ...shardBody, pvcDeletionPolicy: opt(PvcDeletionPolicySchema) }, closed)),
    backup: opt(BackupConfigSchema),
  },
  {
    ...closed,
    "x-kubernetes-validations": [
      cel("!(has(self.spec) && has(self.shardTemplate))", "cannot specify both 'spec' and 'shardTemplate'"),
      cel("!(has(self.spec) && has(self.overrides))", "cannot specify both 'spec' and 'overrides'"),
    ],
  },
);
/** One shard as written. */
export type ShardConfig = Static<typeof ShardConfigSchema>;
/** One pool as written. */
export type PoolSpec = Static<typeof PoolSpecSchema>;
