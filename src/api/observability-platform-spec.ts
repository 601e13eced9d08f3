import { Type, type TOptional, type TSchema, type TString } from "@sinclair/typebox";
import { stringEnum } from "./string-enum.ts";

/** The served versions of `ObservabilityPlatform`; `v1beta1` is stored. */
export const observabilityVersions = ["v1alpha1", "v1beta1"] as const;
/** One of {@link observabilityVersions}. */
export type ObservabilityVersion = (typeof observabilityVersions)[number];

const closed = { additionalProperties: false } as const;
const opt = <T extends TSchema>(t: T): TOptional<T> => Type.Optional(t) as TOptional<T>;
const StringMap = Type.Object({}, { additionalProperties: Type.String() });
/** Kept as the owner wrote it (a PersistentVolumeClaim spec, an Affinity): not pruned, checked by the API server where it lands. */
const FreeForm = Type.Object({}, { "x-kubernetes-preserve-unknown-fields": true });
const semver = "^\\d+\\.\\d+\\.\\d+$";
const vSemver = "^v?\\d+\\.\\d+\\.\\d+$";
/** A Prometheus/Loki duration: `30d`, `168h`, `1h30m`. */
const duration = "^([0-9]+(ms|s|m|h|d|w|y))+$";

const ResourceList = Type.Object({ memory: opt(Type.String()), cpu: opt(Type.String()) }, closed);
const Resources = Type.Object({ requests: opt(ResourceList), limits: opt(ResourceList) }, closed);
const Storage = Type.Object(
  {
    size: Type.String({ default: "10Gi" }),
    storageClassName: opt(Type.String()),
    volumeClaimTemplate: opt(FreeForm),
  },
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
const enabled = (on: boolean): ReturnType<typeof Type.Boolean> => Type.Boolean({ default: on });
const replicas = (n: number): ReturnType<typeof Type.Integer> => Type.Integer({ default: n, minimum: 1 });

/** Defaults and bounds that differ between the versions; everything else is shared. */
interface VersionRules {
  readonly versions: { prometheus?: string; grafana?: string; loki?: string; alertmanager?: string };
  readonly retention: { loki: string; tempo: string };
  readonly collectorReplicas: number;
  readonly haMinReplicas: number;
  readonly backupEnabled: boolean;
  readonly grafanaAdminUser?: string;
  /** `security.networkPolicy` and `podSecurityPolicy` when the block is given without them (v1beta1: on). */
  readonly securityPolicies: boolean;
}

const rules: Record<ObservabilityVersion, VersionRules> = {
  v1alpha1: {
    versions: {},
    retention: { loki: "7d", tempo: "24h" },
    collectorReplicas: 1,
    haMinReplicas: 2,
    backupEnabled: false,
    securityPolicies: false,
  },
  v1beta1: {
    versions: { prometheus: "v2.48.0", grafana: "10.2.0", loki: "2.9.0", alertmanager: "v0.26.0" },
    retention: { loki: "168h", tempo: "336h" },
    collectorReplicas: 2,
    haMinReplicas: 3,
    backupEnabled: true,
    grafanaAdminUser: "admin",
    securityPolicies: true,
  },
};

function prometheus(r: VersionRules) {
  return Type.Object(
    {
      enabled: enabled(true),
      version: version(vSemver, r.versions.prometheus),
      replicas: replicas(1),
      resources: opt(Resources),
      storage: opt(Storage),
      retention: Type.String({ default: "30d", pattern: duration }),
      customConfig: opt(StringMap),
      serviceMonitorSelector: opt(LabelSelector),
      externalLabels: opt(StringMap),
      additionalScrapeConfigs: opt(Type.String()),
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
  );
}

function grafana(r: VersionRules) {
  return Type.Object(
    {
      enabled: enabled(true),
      version: version(semver, r.versions.grafana),
      replicas: replicas(1),
      resources: opt(Resources),
      adminUser: opt(Type.String(r.grafanaAdminUser ? { default: r.grafanaAdminUser } : {})),
      adminPassword: opt(Type.String()),
      plugins: opt(Type.Array(Type.String({ minLength: 1 }))),
      smtp: opt(
        Type.Object(
          {
            host: Type.String(),
            port: Type.Integer({ minimum: 1, maximum: 65535 }),
            from: Type.String(),
            user: opt(Type.String()),
            password: opt(Type.String()),
            tls: opt(Type.Boolean()),
          },
          closed,
        ),
      ),
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
  );
}

function loki(r: VersionRules) {
  return Type.Object(
    {
      enabled: enabled(true),
      version: version(vSemver, r.versions.loki),
      replicas: replicas(1),
      resources: opt(Resources),
      storage: opt(Storage),
      s3: opt(S3),
      retention: Type.String({ default: r.retention.loki, pattern: duration }),
      compactorEnabled: opt(Type.Boolean()),
    },
    closed,
  );
}

function tempo(r: VersionRules) {
  return Type.Object(
    {
      enabled: enabled(true),
      version: Type.String({ pattern: vSemver }),
      replicas: replicas(1),
      resources: opt(Resources),
      storage: opt(Storage),
      s3: opt(S3),
      retention: Type.String({ default: r.retention.tempo, pattern: duration }),
      searchEnabled: opt(Type.Boolean()),
    },
    closed,
  );
}

function collector(r: VersionRules) {
  return Type.Object(
    {
      enabled: enabled(true),
      version: opt(Type.String()),
      replicas: replicas(r.collectorReplicas),
      resources: opt(Resources),
      config: opt(Type.String()),
    },
    closed,
  );
}

const Toleration = Type.Object(
  {
    key: opt(Type.String()),
    operator: opt(Type.String()),
    value: opt(Type.String()),
    effect: opt(Type.String()),
    tolerationSeconds: opt(Type.Integer()),
  },
  closed,
);

const Global = Type.Object(
  {
    externalLabels: opt(StringMap),
    logLevel: stringEnum(["debug", "info", "warn", "error"], { default: "info" }),
    nodeSelector: opt(StringMap),
    tolerations: opt(Type.Array(Toleration)),
    affinity: opt(FreeForm),
    imagePullSecrets: opt(Type.Array(Type.Object({ name: Type.String({ minLength: 1 }) }, closed))),
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
);

function security(r: VersionRules) {
  return Type.Object(
    {
      tls: opt(
        Type.Object(
          { enabled: opt(Type.Boolean()), autoTLS: opt(Type.Boolean()), certSecret: opt(Type.String()) },
          closed,
        ),
      ),
      authentication: opt(
        Type.Object(
          {
            type: opt(stringEnum(["basic", "ldap", "oidc"])),
            basic: opt(Type.Object({ username: Type.String(), password: opt(Type.String()) }, closed)),
            ldap: opt(
              Type.Object(
                {
                  host: Type.String(),
                  port: opt(Type.Integer({ minimum: 1, maximum: 65535 })),
                  bindDn: Type.String(),
                  bindPassword: opt(Type.String()),
                  userBaseDn: Type.String(),
                  userFilter: opt(Type.String()),
                },
                closed,
              ),
            ),
            oidc: opt(
              Type.Object(
                {
                  issuer: Type.String(),
                  clientId: Type.String(),
                  clientSecret: opt(Type.String()),
                  redirectUrl: opt(Type.String()),
                },
                closed,
              ),
            ),
          },
          closed,
        ),
      ),
      networkPolicy: Type.Boolean({ default: r.securityPolicies }),
      podSecurityPolicy: Type.Boolean({ default: r.securityPolicies }),
    },
    closed,
  );
}

function highAvailability(r: VersionRules) {
  return Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      minReplicas: Type.Integer({ default: r.haMinReplicas, minimum: r.haMinReplicas }),
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
  );
}

function backup(r: VersionRules) {
  return Type.Object(
    {
      enabled: Type.Boolean({ default: r.backupEnabled }),
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
  );
}

function alerting(r: VersionRules) {
  const Rule = Type.Object(
    {
      alert: Type.String(),
      expr: Type.String(),
      for: opt(Type.String()),
      labels: opt(StringMap),
      annotations: opt(StringMap),
    },
    closed,
  );
  const Group = Type.Object(
    { name: Type.String(), interval: Type.String({ default: "1m" }), rules: Type.Array(Rule) },
    closed,
  );
  return Type.Object(
    {
      alertmanager: opt(
        Type.Object(
          {
            enabled: enabled(true),
            version: opt(version(vSemver, r.versions.alertmanager)),
            replicas: replicas(1),
            config: opt(Type.String()),
          },
          closed,
        ),
      ),
      rules: opt(Type.Array(Type.Object({ name: Type.String(), groups: Type.Array(Group) }, closed))),
    },
    closed,
  );
}

/** CEL: whether the component block at `path` (under `self`) is present and not switched off. */
const on = (path: string): string => {
  const parts = path.split(".");
  const present = parts.map((_, i) => `has(self.${parts.slice(0, i + 1).join(".")})`).join(" && ");
  return `(${present} && (!has(self.${path}.enabled) || self.${path}.enabled))`;
};

/**
 * The admission rules on `spec`: a platform enables at least one component
 * (refused naming `spec.components`, as gunj's webhook refuses it), and the
 * collector is spelled one way, not both.
 */
const specRules = [
  {
    rule: [
      "components.prometheus",
      "components.loki",
      "components.tempo",
      "components.grafana",
      "components.opentelemetryCollector",
      "components.openTelemetryCollector",
      "alerting.alertmanager",
    ]
      .map(on)
      .join(" || "),
    fieldPath: ".components",
    reason: "FieldValueInvalid",
    message:
      "a platform that enables no component is invalid: enable at least one of prometheus, loki, tempo, grafana, opentelemetryCollector or alerting.alertmanager",
  },
  {
    rule: "!has(self.components.opentelemetryCollector) || !has(self.components.openTelemetryCollector)",
    fieldPath: ".components.openTelemetryCollector",
    reason: "FieldValueForbidden",
    message: "give the collector once: opentelemetryCollector or openTelemetryCollector, not both",
  },
];

/**
 * The schema of `spec` in one served version. Both versions hold every field
 * of either (gunj-operator's v1alpha1 fields and its v1beta1 CRD's), so that
 * with `conversion: None` nothing is pruned when an object is read or written
 * in the other version; they differ in defaults and bounds only (see
 * {@link rules}): v1beta1 defaults the versions, Grafana's `adminUser`, longer
 * Loki/Tempo retention, two collector replicas, an HA floor of three and
 * backups on, and accepts `v2.9.0` for Loki. The collector may be spelled
 * `opentelemetryCollector` (the Go types) or `openTelemetryCollector` (the
 * CRD); the template reads either.
 */
function specSchema(v: ObservabilityVersion) {
  const r = rules[v];
  return Type.Object(
    {
      components: Type.Object(
        {
          prometheus: opt(prometheus(r)),
          grafana: opt(grafana(r)),
          loki: opt(loki(r)),
          tempo: opt(tempo(r)),
          opentelemetryCollector: opt(collector(r)),
          openTelemetryCollector: opt(collector(r)),
        },
        closed,
      ),
      global: opt(Global),
      nodeSelector: opt(StringMap),
      security: opt(security(r)),
      highAvailability: opt(highAvailability(r)),
      backup: opt(backup(r)),
      alerting: opt(alerting(r)),
      paused: Type.Boolean({ default: false }),
    },
    { ...closed, "x-kubernetes-validations": specRules },
  );
}

/** The schema of `spec` in `v1alpha1` (see {@link specSchema}). */
export const ObservabilityPlatformSpecV1alpha1Schema = specSchema("v1alpha1");
/** The schema of `spec` in `v1beta1` (see {@link specSchema}). */
export const ObservabilityPlatformSpecV1beta1Schema = specSchema("v1beta1");
