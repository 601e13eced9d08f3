import { Type, type Static, type TSchema, type TString } from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { customResourceDefinition, type CrdSchema } from "./crd.ts";
import { ConditionSchema } from "./stack.ts";
import { stringEnum } from "./string-enum.ts";
import { CellConfigSchema, DatabaseConfigSchema } from "./multigres-cluster-topology.ts";
import {
  BackupConfigSchema,
  EtcdSpecSchema,
  ExternalTopoServerSchema,
  PvcDeletionPolicySchema,
  PlacementSchema,
  StatelessSpecSchema,
  TopoPlacementSchema,
} from "./multigres-cluster-spec.ts";

/** How the operator addresses `MultigresCluster` objects (`multigres.com/v1alpha1`, plural `multigresclusters`). */
export const multigresClusterResourceType: ResourceType = {
  group: "multigres.com",
  version: "v1alpha1",
  kind: "MultigresCluster",
  plural: "multigresclusters",
  namespaced: true,
};

const closed = { additionalProperties: false } as const;
const opt = <T extends TSchema>(t: T) => Type.Optional(t);
const cel = (rule: string, message: string): { rule: string; message: string } => ({ rule, message });
const templateRef = (): TString => Type.String({ minLength: 1, maxLength: 63 });
const imageRef = (): TString => Type.String({ minLength: 1, maxLength: 512 });
const placement = PlacementSchema;
const logLevel = () => stringEnum(["debug", "info", "warn", "error"]);
const oneOfSpecOrRef = [
  cel("has(self.spec) || has(self.templateRef)", "must specify either 'spec' or 'templateRef'"),
  cel("!(has(self.spec) && has(self.templateRef))", "cannot specify both 'spec' and 'templateRef'"),
];
const external = (what: string) =>
  Type.Object(
    {
      enabled: Type.Boolean(),
      externalIPs: opt(
        Type.Array(
          Type.String({
            minLength: 3,
            maxLength: 45,
            pattern: "^(([0-9]{1,3}\\.){3}[0-9]{1,3})$|^(([0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4})$",
          }),
          { maxItems: 10 },
        ),
      ),
      annotations: opt(Type.Object({}, { additionalProperties: Type.String(), maxProperties: 20 })),
    },
    {
      ...closed,
      description: `External exposure of the global ${what} Service.`,
      "x-kubernetes-validations": [
        cel(
          "!has(self.annotations) || self.annotations.all(k, !k.startsWith('multigres.com/'))",
          "annotations must not use multigres.com/ prefix (reserved for operator)",
        ),
      ],
    },
  );

const componentImages = {
  multigateway: opt(imageRef()),
  multiorch: opt(imageRef()),
  multipooler: opt(imageRef()),
  multiadmin: opt(imageRef()),
  multiadminWeb: opt(imageRef()),
  postgres: opt(imageRef()),
};

/** Schema of `MultigresCluster.spec`, field for field as upstream's `MultigresClusterSpec`. */
export const MultigresClusterSpecSchema = Type.Object(
  {
    images: opt(
      Type.Object(
        {
          imagePullPolicy: opt(stringEnum(["Always", "Never", "IfNotPresent"])),
          imagePullSecrets: opt(Type.Array(Type.Object({ name: opt(Type.String()) }, closed))),
          ...componentImages,
        },
        closed,
      ),
    ),
    imageUpdatePolicy: opt(
      Type.Object(
        {
          strategy: opt(stringEnum(["immediate", "lazy"])),
          acknowledgedRevision: opt(Type.String({ maxLength: 64, pattern: "^[0-9a-f]*$" })),
        },
        closed,
      ),
    ),
    logLevels: opt(
      Type.Object(
        {
          pgctld: opt(logLevel()),
          multipooler: opt(logLevel()),
          multiorch: opt(logLevel()),
          multiadmin: opt(logLevel()),
          multigateway: opt(logLevel()),
        },
        closed,
      ),
    ),
    templateDefaults: opt(
      Type.Object(
        {
          coreTemplate: opt(templateRef()),
          cellTemplate: opt(templateRef()),
          shardTemplate: opt(templateRef()),
        },
        closed,
      ),
    ),
    globalTopoServer: opt(
      Type.Object(
        {
          etcd: opt(EtcdSpecSchema),
          external: opt(ExternalTopoServerSchema),
          templateRef: opt(templateRef()),
          pvcDeletionPolicy: opt(PvcDeletionPolicySchema),
          placement: opt(TopoPlacementSchema),
        },
        {
          ...closed,
          "x-kubernetes-validations": [
            cel(
              "[has(self.etcd), has(self.external), has(self.templateRef)].filter(x, x).size() == 1",
              "must specify exactly one of 'etcd', 'external', or 'templateRef'",
            ),
          ],
        },
      ),
    ),
    multiadmin: opt(
      Type.Object(
        { spec: opt(StatelessSpecSchema), templateRef: opt(templateRef()), placement: opt(placement) },
        { ...closed, "x-kubernetes-validations": oneOfSpecOrRef },
      ),
    ),
    multiadminWeb: opt(
      Type.Object(
        { spec: opt(StatelessSpecSchema), templateRef: opt(templateRef()) },
        { ...closed, "x-kubernetes-validations": oneOfSpecOrRef },
      ),
    ),
    cells: opt(
      Type.Array(CellConfigSchema, {
        maxItems: 50,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-validations": [
          cel(
            "oldSelf.all(c, c.name in self.map(x, x.name))",
            "Cells cannot be removed or renamed (Append-Only)",
          ),
        ],
      }),
    ),
    databases: opt(
      Type.Array(DatabaseConfigSchema, {
        maxItems: 1,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-validations": [
          cel(
            "self.all(db, db.name == 'postgres' && db.default == true)",
            "in v1alpha1, only the single system database named 'postgres' (marked default: true) is supported",
          ),
        ],
      }),
    ),
    pvcDeletionPolicy: opt(PvcDeletionPolicySchema),
    observability: opt(
      Type.Unsafe(
        Type.Any({
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          description: "OpenTelemetry settings for the data-plane pods (passed through, not interpreted).",
        }),
      ),
    ),
    backup: opt(BackupConfigSchema),
    externalGateway: opt(external("multigateway")),
    externalAdminWeb: opt(external("multiadmin-web")),
    topologyPruning: opt(Type.Object({ enabled: opt(Type.Boolean()) }, closed)),
    durabilityPolicy: opt(Type.String()),
    postgresSuperuser: opt(Type.String({ maxLength: 63, default: "postgres" })),
    postgresPasswordSecretRef: Type.Object(
      {
        name: Type.String({
          minLength: 1,
          maxLength: 253,
          pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        }),
        key: Type.String({ minLength: 1, maxLength: 253, pattern: "^[-._a-zA-Z0-9]+$" }),
      },
      closed,
    ),
    postgresInitSecretsRef: opt(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 253 }),
          key: opt(Type.String({ minLength: 1, maxLength: 253 })),
        },
        {
          ...closed,
          description: "A Secret with day-0 settings (roles, database settings) for fresh data directories.",
        },
      ),
    ),
    internalTLS: opt(Type.Object({ enabled: opt(Type.Boolean()) }, closed)),
    certCommonName: opt(Type.String()),
    issuerName: opt(Type.String()),
  },
  closed,
);

/** `MultigresCluster.spec` as written (defaults are resolved by the template, as upstream's webhook does). */
export type MultigresClusterSpec = Static<typeof MultigresClusterSpecSchema>;

/** Upstream's phases: Initializing, Progressing, Healthy, Degraded, Unknown. */
export const multigresClusterPhases = [
  "Initializing",
  "Progressing",
  "Healthy",
  "Degraded",
  "Unknown",
] as const;

const conditions = Type.Array(ConditionSchema, {
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
});

/** Schema of `MultigresCluster.status`: upstream's fields, and `stackwarden` for the engine's own status. */
export const MultigresClusterStatusSchema = Type.Object(
  {
    observedGeneration: opt(Type.Integer({ minimum: 0 })),
    conditions: opt(conditions),
    phase: opt(stringEnum(multigresClusterPhases)),
    message: opt(Type.String()),
    cells: opt(
      Type.Object(
        {},
        {
          maxProperties: 50,
          additionalProperties: Type.Object(
            { ready: Type.Boolean(), gatewayReplicas: Type.Integer({ minimum: 0 }) },
            closed,
          ),
        },
      ),
    ),
    databases: opt(
      Type.Object(
        {},
        {
          maxProperties: 50,
          additionalProperties: Type.Object(
            { readyShards: Type.Integer({ minimum: 0 }), totalShards: Type.Integer({ minimum: 0 }) },
            closed,
          ),
        },
      ),
    ),
    gateway: opt(Type.Object({ externalEndpoint: Type.String() }, closed)),
    adminWeb: opt(Type.Object({ externalEndpoint: Type.String() }, closed)),
    stackwarden: opt(
      Type.Object({}, { additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true }),
    ),
  },
  closed,
);

/** A `MultigresCluster` as the operator reads it. */
export interface MultigresCluster extends KubeObject {
  spec?: Partial<MultigresClusterSpec>;
  status?: Record<string, unknown>;
}

/** The longest cluster name upstream accepts (a CEL rule on the object). */
export const maxMultigresClusterNameLength = 25;

/**
 * The CRD `multigresclusters.multigres.com`: short name `mgc`, upstream's schema and CEL rules
 * (the name rule on the object root), the status subresource, and upstream's printer columns in
 * its order: Available, Age, Phase, Images (priority 1). Same output on every call.
 */
export function multigresClusterCrd(): KubeObject & { spec: CrdSchema } {
  const crd = customResourceDefinition({
    ...multigresClusterResourceType,
    singular: "multigrescluster",
    shortNames: ["mgc"],
    spec: MultigresClusterSpecSchema,
    status: MultigresClusterStatusSchema,
    printerColumns: [
      { name: "Available", type: "string", jsonPath: ".status.conditions[?(@.type=='Available')].status" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "Images", type: "string", jsonPath: ".status.images.appliedRevision", priority: 1 },
    ],
  });
  const version = (
    crd.spec["versions"] as Array<{
      schema: { openAPIV3Schema: CrdSchema };
      additionalPrinterColumns: Array<{ name: string }>;
    }>
  )[0]!;
  // Upstream's column order: Available, Age, Phase, then Images (wide).
  const columns = version.additionalPrinterColumns;
  const age = columns.findIndex((c) => c.name === "Age");
  columns.splice(1, 0, ...columns.splice(age, 1));
  version.schema.openAPIV3Schema["x-kubernetes-validations"] = [
    cel(
      `self.metadata.name.size() <= ${maxMultigresClusterNameLength}`,
      `MultigresCluster name must be at most ${maxMultigresClusterNameLength} characters`,
    ),
  ];
  return crd;
}
