import {
  Type,
  type Static,
  type TBoolean,
  type TOptional,
  type TSchema,
  type TString,
} from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { ConditionSchema } from "./stack.ts";
import { customResourceDefinition, type CrdSchema } from "./crd.ts";
import { stringEnum } from "./string-enum.ts";

/** The API group of `ObservabilityPlatform`. */
export const observabilityGroup = "observability.io";
/** The served versions; `v1alpha1` is stored and is the one the operator reads. */
export const observabilityVersions = ["v1alpha1", "v1beta1"] as const;
/** One of {@link observabilityVersions}. */
export type ObservabilityVersion = (typeof observabilityVersions)[number];

/** How the operator addresses `ObservabilityPlatform` objects: namespaced, read at the storage version. */
export const observabilityPlatformResourceType: ResourceType = {
  group: observabilityGroup,
  version: "v1alpha1",
  kind: "ObservabilityPlatform",
  plural: "observabilityplatforms",
  namespaced: true,
};

const closed = { additionalProperties: false } as const;
const opt = <T extends TSchema>(t: T): TOptional<T> => Type.Optional(t) as TOptional<T>;
const StringMap = Type.Object({}, { additionalProperties: Type.String() });
const semver = "^\\d+\\.\\d+\\.\\d+$";
const vSemver = "^v?\\d+\\.\\d+\\.\\d+$";
const duration = "^\\d+[hdwmy]$";

const ResourceList = Type.Object({ memory: opt(Type.String()), cpu: opt(Type.String()) }, closed);
const Resources = Type.Object({ requests: opt(ResourceList), limits: opt(ResourceList) }, closed);
const Storage = Type.Object(
  { size: Type.String({ default: "10Gi" }), storageClassName: opt(Type.String()) },
  closed,
);
const S3 = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    bucketName: Type.String(),
    region: Type.String(),
    endpoint: opt(Type.String()),
    accessKeyId: opt(Type.String()),
    secretAccessKey: opt(Type.String()),
  },
  closed,
);
const LabelSelector = Type.Object(
  {
    matchLabels: opt(StringMap),
    matchExpressions: opt(
      Type.Array(
        Type.Object(
          { key: Type.String(), operator: Type.String(), values: opt(Type.Array(Type.String())) },
          closed,
        ),
      ),
    ),
  },
  closed,
);

/** A version field with its pattern, defaulted when `fallback` is given. */
const version = (pattern: string, fallback: string | undefined): TString =>
  Type.String({ pattern, ...(fallback ? { default: fallback } : {}) });

/** The spec of one served version; see {@link ObservabilityPlatformSpecSchema}. */
function specSchema(v: ObservabilityVersion) {
  const beta = v === "v1beta1";
  const enabled = (on: boolean): TBoolean => Type.Boolean({ default: on });
  return Type.Object(
    {
      components: Type.Object(
        {
          prometheus: opt(
            Type.Object(
              {
                enabled: enabled(true),
                version: version(vSemver, beta ? "v2.48.0" : undefined),
                replicas: Type.Integer({ default: 1, minimum: 1 }),
                resources: opt(Resources),
                storage: opt(Storage),
                retention: Type.String({ default: "30d", pattern: duration }),
                customConfig: opt(StringMap),
                serviceMonitorSelector: opt(LabelSelector),
                remoteWrite: opt(
                  Type.Array(
                    Type.Object(
                      { url: Type.String(), remoteTimeout: opt(Type.String()), headers: opt(StringMap) },
                      closed,
                    ),
                  ),
                ),
              },
              closed,
            ),
          ),
          grafana: opt(
            Type.Object(
              {
                enabled: enabled(true),
                version: version(semver, beta ? "10.2.0" : undefined),
                replicas: Type.Integer({ default: 1, minimum: 1 }),
                resources: opt(Resources),
                adminUser: opt(Type.String(beta ? { default: "admin" } : {})),
                adminPassword: opt(Type.String()),
                ingress: opt(
                  Type.Object(
                    {
                      enabled: Type.Boolean({ default: false }),
                      className: opt(Type.String()),
                      host: Type.String(),
                      path: Type.String({ default: "/" }),
                      tls: opt(
                        Type.Object(
                          { enabled: Type.Boolean({ default: true }), secretName: opt(Type.String()) },
                          closed,
                        ),
                      ),
                      annotations: opt(StringMap),
                    },
                    closed,
                  ),
                ),
                dataSources: opt(
                  Type.Array(
                    Type.Object(
                      {
                        name: Type.String(),
                        type: Type.String(),
                        url: Type.String(),
                        access: Type.String({ default: "proxy" }),
                        isDefault: opt(Type.Boolean()),
                        jsonData: opt(StringMap),
                      },
                      closed,
                    ),
                  ),
                ),
                dashboards: opt(
                  Type.Array(
                    Type.Object(
                      {
                        name: Type.String(),
                        folder: opt(Type.String()),
                        configMap: opt(Type.String()),
                        url: opt(Type.String()),
                      },
                      closed,
                    ),
                  ),
                ),
              },
              closed,
            ),
          ),
          loki: opt(
            Type.Object(
              {
                enabled: enabled(!beta),
                version: version(semver, beta ? "2.9.0" : undefined),
                resources: opt(Resources),
                storage: opt(Storage),
                s3: opt(S3),
                retention: Type.String({ default: "7d", pattern: duration }),
              },
              closed,
            ),
          ),
          tempo: opt(
            Type.Object(
              {
                enabled: enabled(!beta),
                version: Type.String({ pattern: semver }),
                resources: opt(Resources),
                storage: opt(Storage),
                retention: Type.String({ default: "24h", pattern: duration }),
              },
              closed,
            ),
          ),
          opentelemetryCollector: opt(
            Type.Object(
              {
                enabled: enabled(true),
                version: opt(Type.String()),
                replicas: Type.Integer({ default: 1, minimum: 1 }),
                resources: opt(Resources),
                config: opt(Type.String()),
              },
              closed,
            ),
          ),
        },
        closed,
      ),
      global: opt(
        Type.Object(
          {
            externalLabels: opt(StringMap),
            logLevel: stringEnum(["debug", "info", "warn", "error"], { default: "info" }),
            nodeSelector: opt(StringMap),
            tolerations: opt(
              Type.Array(
                Type.Object(
                  {
                    key: opt(Type.String()),
                    operator: opt(Type.String()),
                    value: opt(Type.String()),
                    effect: opt(Type.String()),
                    tolerationSeconds: opt(Type.Integer()),
                  },
                  closed,
                ),
              ),
            ),
            securityContext: opt(
              Type.Object(
                {
                  runAsNonRoot: opt(Type.Boolean()),
                  runAsUser: opt(Type.Integer()),
                  runAsGroup: opt(Type.Integer()),
                  fsGroup: opt(Type.Integer()),
                },
                closed,
              ),
            ),
          },
          closed,
        ),
      ),
      highAvailability: opt(
        Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            minReplicas: Type.Integer({ default: 2, minimum: 2 }),
            antiAffinity: opt(
              Type.Object(
                {
                  type: stringEnum(["soft", "hard"], { default: "soft" }),
                  topologyKey: opt(Type.String()),
                },
                closed,
              ),
            ),
          },
          closed,
        ),
      ),
      backup: opt(
        Type.Object(
          {
            enabled: Type.Boolean({ default: false }),
            schedule: Type.String({ default: "0 2 * * *" }),
            retentionDays: Type.Integer({ default: 7, minimum: 1 }),
            destination: opt(
              Type.Object(
                {
                  type: stringEnum(["s3", "gcs", "azure"]),
                  s3: opt(S3),
                  gcs: opt(
                    Type.Object({ bucketName: Type.String(), serviceAccountKey: opt(Type.String()) }, closed),
                  ),
                  azure: opt(
                    Type.Object(
                      {
                        containerName: Type.String(),
                        storageAccount: Type.String(),
                        storageAccessKey: opt(Type.String()),
                      },
                      closed,
                    ),
                  ),
                },
                closed,
              ),
            ),
          },
          closed,
        ),
      ),
      alerting: opt(
        Type.Object(
          {
            alertmanager: opt(
              Type.Object(
                {
                  enabled: enabled(true),
                  version: opt(version(vSemver, beta ? "v0.26.0" : undefined)),
                  replicas: Type.Integer({ default: 1, minimum: 1 }),
                  config: opt(Type.String()),
                },
                closed,
              ),
            ),
            rules: opt(
              Type.Array(
                Type.Object(
                  {
                    name: Type.String(),
                    groups: Type.Array(
                      Type.Object(
                        {
                          name: Type.String(),
                          interval: Type.String({ default: "1m" }),
                          rules: Type.Array(
                            Type.Object(
                              {
                                alert: Type.String(),
                                expr: Type.String(),
                                for: opt(Type.String()),
                                labels: opt(StringMap),
                                annotations: opt(StringMap),
                              },
                              closed,
                            ),
                          ),
                        },
                        closed,
                      ),
                    ),
                  },
                  closed,
                ),
              ),
            ),
          },
          closed,
        ),
      ),
      paused: Type.Boolean({ default: false }),
    },
    closed,
  );
}

/**
 * The schema of `ObservabilityPlatform.spec` as stored (`v1alpha1`) and as the template takes it: field
 * names, types, defaults, patterns and minimums of the design's Go types
 * (gunj-operator `api/v1alpha1`), closed objects everywhere (unknown fields
 * are rejected as a structural schema rejects them). `v1beta1` differs only in
 * defaults: versions (Prometheus v2.48.0, Grafana 10.2.0, Loki 2.9.0,
 * Alertmanager v0.26.0), Loki and Tempo disabled unless enabled, and Grafana's
 * `adminUser` defaulting to `admin`. Both versions accept `adminUser` and an
 * Alertmanager `version` so that an object reads the same in either.
 */
export const ObservabilityPlatformSpecSchema = specSchema("v1alpha1");
/** The schema of `spec` in `v1beta1`: the same fields, with the v1beta1 defaults. */
export const ObservabilityPlatformSpecV1beta1Schema = specSchema("v1beta1");
/** `ObservabilityPlatform.spec` with its defaults applied. */
export type ObservabilityPlatformSpec = Static<typeof ObservabilityPlatformSpecSchema>;

/** The phases of the kind's own status (the engine's are projected onto these). */
export const observabilityPhases = ["Pending", "Installing", "Ready", "Failed", "Upgrading"] as const;
/** One of {@link observabilityPhases}. */
export type ObservabilityPhase = (typeof observabilityPhases)[number];

/** Schema of `status.componentStatus.<component>`. */
export const PlatformComponentStatusSchema = Type.Object(
  {
    phase: opt(stringEnum(observabilityPhases)),
    version: opt(Type.String()),
    readyReplicas: opt(Type.Integer({ minimum: 0 })),
    lastUpdateTime: opt(Type.String({ format: "date-time" })),
  },
  closed,
);

/**
 * Schema of `ObservabilityPlatform.status`: the design's fields (phase,
 * message, lastReconcileTime, observedGeneration, conditions, componentStatus,
 * endpoints) plus `stackwarden`, where the engine keeps its own status
 * (preserved as is, never pruned).
 */
export const ObservabilityPlatformStatusSchema = Type.Object(
  {
    phase: opt(stringEnum(observabilityPhases)),
    message: opt(Type.String()),
    lastReconcileTime: opt(Type.String({ format: "date-time" })),
    observedGeneration: opt(Type.Integer({ minimum: 0 })),
    conditions: opt(
      Type.Array(ConditionSchema, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    componentStatus: opt(Type.Object({}, { additionalProperties: PlatformComponentStatusSchema })),
    endpoints: opt(StringMap),
    stackwarden: opt(Type.Object({}, { "x-kubernetes-preserve-unknown-fields": true })),
  },
  closed,
);
/** `ObservabilityPlatform.status`. */
export type ObservabilityPlatformStatus = Static<typeof ObservabilityPlatformStatusSchema>;

/** An `ObservabilityPlatform` custom resource as the operator reads it. */
export type ObservabilityPlatform = KubeObject & {
  readonly spec: ObservabilityPlatformSpec;
  readonly status?: ObservabilityPlatformStatus & { stackwarden?: unknown };
};

/**
 * The CRD `observabilityplatforms.observability.io`: `v1alpha1` (stored) and
 * `v1beta1` both served with no conversion (the two differ only in defaults,
 * which the API server applies per version), short names `op` and `ops`,
 * categories `observability` and `platform`, the status subresource, and the
 * printer columns Phase, Ready, Prometheus, Grafana, Message and Age of the
 * design. Same output on every call.
 */
export function observabilityPlatformCrd(): KubeObject & { spec: CrdSchema } {
  const t = observabilityPlatformResourceType;
  const crd = customResourceDefinition({
    group: t.group,
    version: "v1alpha1",
    kind: t.kind,
    plural: t.plural,
    singular: "observabilityplatform",
    namespaced: true,
    shortNames: ["op", "ops"],
    categories: ["observability", "platform"],
    spec: ObservabilityPlatformSpecSchema,
    status: ObservabilityPlatformStatusSchema,
    printerColumns: [
      {
        name: "Phase",
        type: "string",
        jsonPath: ".status.phase",
        description: "Current phase of the platform",
      },
      {
        name: "Ready",
        type: "string",
        jsonPath: ".status.conditions[?(@.type=='Ready')].status",
        description: "Ready condition status",
      },
      {
        name: "Prometheus",
        type: "string",
        jsonPath: ".status.componentStatus.prometheus.phase",
        description: "Prometheus status",
      },
      {
        name: "Grafana",
        type: "string",
        jsonPath: ".status.componentStatus.grafana.phase",
        description: "Grafana status",
      },
      { name: "Message", type: "string", jsonPath: ".status.message", description: "Status message" },
    ],
  });
  const versions = crd.spec["versions"] as CrdSchema[];
  const alpha = versions[0]!;
  const beta = customResourceDefinition({
    group: t.group,
    version: "v1beta1",
    kind: t.kind,
    plural: t.plural,
    singular: "observabilityplatform",
    namespaced: true,
    spec: ObservabilityPlatformSpecV1beta1Schema,
    status: ObservabilityPlatformStatusSchema,
    printerColumns: [],
  });
  const betaVersion = (beta.spec["versions"] as CrdSchema[])[0]!;
  versions.push({
    ...alpha,
    name: "v1beta1",
    storage: false,
    schema: betaVersion["schema"],
  });
  return crd;
}
