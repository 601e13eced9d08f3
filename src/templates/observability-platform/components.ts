import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import {
  buildConfigMap,
  buildService,
  buildWorkload,
  componentName,
  containerResources,
  haReplicas,
  hashOf,
} from "./workload.ts";

type Ctx = RenderContext<ObservabilityPlatformSpec>;
type Components = ObservabilityPlatformSpec["components"];

/** Version each component runs when the spec names none (v1beta1's defaults; Tempo and the collector pinned). */
export const fallbackVersions = {
  loki: "2.9.0",
  tempo: "2.3.1",
  alertmanager: "v0.26.0",
  collector: "0.91.0",
} as const;

/** Whether a component is on: its block is present and not `enabled: false`. */
export const isOn = (block: { enabled?: boolean } | undefined): boolean =>
  block !== undefined && block.enabled !== false;

/** `v2.48.0` for `2.48.0` or `v2.48.0`: Prometheus-project images tag with the `v`. */
const vTag = (v: string): string => (v.startsWith("v") ? v : `v${v}`);
/** Config files are JSON, which every YAML reader accepts; key order is the builder's, so output is stable. */
const yaml = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Prometheus's configuration: external labels, self-scrape, Alertmanager when on, rules, remote write. */
export function prometheusConfig(ctx: Ctx): Record<string, string> {
  const { params: spec, stack } = ctx;
  const p = spec.components.prometheus;
  const rules = spec.alerting?.rules ?? [];
  const config = {
    global: {
      scrape_interval: "30s",
      evaluation_interval: "30s",
      external_labels: { ...(spec.global?.externalLabels as Record<string, string> | undefined) },
    },
    scrape_configs: [{ job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] }],
    ...(isOn(spec.alerting?.alertmanager) && {
      alerting: {
        alertmanagers: [
          { static_configs: [{ targets: [`${componentName(stack.name, "alertmanager")}:9093`] }] },
        ],
      },
    }),
    ...(rules.length > 0 && { rule_files: ["/etc/prometheus/rules.yml"] }),
    ...(p?.remoteWrite &&
      p.remoteWrite.length > 0 && {
        remote_write: p.remoteWrite.map((r) => ({
          url: r.url,
          ...(r.remoteTimeout && { remote_timeout: r.remoteTimeout }),
          ...(r.headers && { headers: r.headers }),
        })),
      }),
  };
  const rulesFile = {
    groups: rules.flatMap((r) =>
      r.groups.map((g) => ({
        name: `${r.name}-${g.name}`,
        interval: g.interval,
        rules: g.rules.map((x) => ({
          alert: x.alert,
          expr: x.expr,
          ...(x.for && { for: x.for }),
          ...(x.labels && { labels: x.labels }),
          ...(x.annotations && { annotations: x.annotations }),
        })),
      })),
    ),
  };
  return {
    "prometheus.yml": yaml(config),
    ...(rules.length > 0 && { "rules.yml": yaml(rulesFile) }),
    // customConfig overrides generated files by name (e.g. its own prometheus.yml).
    ...(p?.customConfig as Record<string, string> | undefined),
  };
}

/** Prometheus: config → StatefulSet on a data claim (retention from the spec) → Service on 9090. Nothing when off. */
export function buildPrometheus(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const p = spec.components.prometheus;
  if (!p || !isOn(p)) return [];
  const data = prometheusConfig(ctx);
  const ports = [{ name: "http", port: 9090 }];
  return [
    buildConfigMap(stack.name, "prometheus", data),
    buildWorkload(spec, {
      kind: "StatefulSet",
      platform: stack.name,
      component: "prometheus",
      image: `quay.io/prometheus/prometheus:${vTag(p.version)}`,
      args: [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        `--storage.tsdb.retention.time=${p.retention}`,
        `--log.level=${spec.global?.logLevel ?? "info"}`,
        "--web.enable-lifecycle",
      ],
      ports,
      replicas: haReplicas(spec, p.replicas),
      runAsUser: 65534,
      resources: containerResources(p.resources, { cpu: "250m", memory: "512Mi" }),
      mounts: [{ name: "config", path: "/etc/prometheus", configMap: `${stack.name}-prometheus-config` }],
      dataPath: "/prometheus",
      storage: {
        size: p.storage?.size ?? "10Gi",
        ...(p.storage?.storageClassName && { storageClassName: p.storage.storageClassName }),
      },
      readinessPath: "/-/ready",
      configHash: hashOf(data),
    }),
    buildService(stack.name, "prometheus", ports),
  ];
}

/** Where Loki and Tempo keep data: a claim of the given size (10Gi unless the owner said otherwise). */
const claim = (
  s: { size: string; storageClassName?: string } | undefined,
): { size: string; storageClassName?: string } => ({
  size: s?.size ?? "10Gi",
  ...(s?.storageClassName && { storageClassName: s.storageClassName }),
});

/**
 * Loki: config (filesystem, or S3 whose keys come from the Secret
 * `<platform>-loki-s3` through the environment, never from the ConfigMap) →
 * StatefulSet → Service on 3100. Nothing when off.
 */
export function buildLoki(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const l = spec.components.loki;
  if (!l || !isOn(l)) return [];
  const s3 = l.s3?.enabled ? l.s3 : undefined;
  const secretName = `${stack.name}-loki-s3`;
  const config = {
    auth_enabled: false,
    server: { http_listen_port: 3100, log_level: spec.global?.logLevel ?? "info" },
    common: {
      path_prefix: "/loki",
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      storage: s3
        ? {
            s3: {
              bucketnames: s3.bucketName,
              region: s3.region,
              ...(s3.endpoint && { endpoint: s3.endpoint }),
              access_key_id: "${AWS_ACCESS_KEY_ID}",
              secret_access_key: "${AWS_SECRET_ACCESS_KEY}",
            },
          }
        : { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
    },
    schema_config: {
      configs: [
        {
          from: "2024-01-01",
          store: "tsdb",
          object_store: s3 ? "s3" : "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    limits_config: { retention_period: l.retention },
    compactor: {
      working_directory: "/loki/compactor",
      retention_enabled: true,
      delete_request_store: s3 ? "s3" : "filesystem",
    },
  };
  const data = { "loki.yaml": yaml(config) };
  const ports = [{ name: "http", port: 3100 }];
  const secretKeys = s3
    ? { AWS_ACCESS_KEY_ID: s3.accessKeyId ?? "", AWS_SECRET_ACCESS_KEY: s3.secretAccessKey ?? "" }
    : undefined;
  return [
    buildConfigMap(stack.name, "loki", data),
    ...(secretKeys
      ? [
          {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: secretName },
            type: "Opaque",
            data: Object.fromEntries(
              Object.entries(secretKeys).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
            ),
          },
        ]
      : []),
    buildWorkload(spec, {
      kind: "StatefulSet",
      platform: stack.name,
      component: "loki",
      image: `grafana/loki:${l.version || fallbackVersions.loki}`,
      args: ["-config.file=/etc/loki/loki.yaml", "-config.expand-env=true"],
      ...(secretKeys && {
        env: Object.keys(secretKeys).map((k) => ({
          name: k,
          valueFrom: { secretKeyRef: { name: secretName, key: k } },
        })),
      }),
      ports,
      replicas: 1,
      runAsUser: 10001,
      resources: containerResources(l.resources, { cpu: "100m", memory: "256Mi" }),
      mounts: [{ name: "config", path: "/etc/loki", configMap: `${stack.name}-loki-config` }],
      dataPath: "/loki",
      storage: claim(l.storage),
      readinessPath: "/ready",
      configHash: hashOf({ data, secret: secretKeys ? hashOf(secretKeys) : "" }),
    }),
    buildService(stack.name, "loki", ports),
  ];
}

/** Tempo: config (local storage, retention) → StatefulSet → Service on 3200 and OTLP 4317/4318. Nothing when off. */
export function buildTempo(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const t = spec.components.tempo;
  if (!t || !isOn(t)) return [];
  const config = {
    server: { http_listen_port: 3200, log_level: spec.global?.logLevel ?? "info" },
    distributor: { receivers: { otlp: { protocols: { grpc: {}, http: {} } } } },
    compactor: { compaction: { block_retention: t.retention } },
    storage: {
      trace: { backend: "local", local: { path: "/var/tempo/traces" }, wal: { path: "/var/tempo/wal" } },
    },
  };
  const data = { "tempo.yaml": yaml(config) };
  const ports = [
    { name: "http", port: 3200 },
    { name: "otlp-grpc", port: 4317 },
    { name: "otlp-http", port: 4318 },
  ];
  return [
    buildConfigMap(stack.name, "tempo", data),
    buildWorkload(spec, {
      kind: "StatefulSet",
      platform: stack.name,
      component: "tempo",
      image: `grafana/tempo:${t.version || fallbackVersions.tempo}`,
      args: ["-config.file=/etc/tempo/tempo.yaml"],
      ports,
      replicas: 1,
      runAsUser: 10001,
      resources: containerResources(t.resources, { cpu: "100m", memory: "256Mi" }),
      mounts: [{ name: "config", path: "/etc/tempo", configMap: `${stack.name}-tempo-config` }],
      dataPath: "/var/tempo",
      storage: claim(t.storage),
      readinessPath: "/ready",
      configHash: hashOf(data),
    }),
    buildService(stack.name, "tempo", ports),
  ];
}

/** Alertmanager: config (the owner's, or one null receiver) → StatefulSet → Service on 9093. Nothing when off. */
export function buildAlertmanager(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const a = spec.alerting?.alertmanager;
  if (!a || !isOn(a)) return [];
  const data = {
    "alertmanager.yml": a.config ?? yaml({ route: { receiver: "null" }, receivers: [{ name: "null" }] }),
  };
  const ports = [{ name: "http", port: 9093 }];
  return [
    buildConfigMap(stack.name, "alertmanager", data),
    buildWorkload(spec, {
      kind: "StatefulSet",
      platform: stack.name,
      component: "alertmanager",
      image: `quay.io/prometheus/alertmanager:${vTag(a.version ?? fallbackVersions.alertmanager)}`,
      args: [
        "--config.file=/etc/alertmanager/alertmanager.yml",
        "--storage.path=/alertmanager",
        `--log.level=${spec.global?.logLevel ?? "info"}`,
      ],
      ports,
      replicas: haReplicas(spec, a.replicas),
      runAsUser: 65534,
      resources: containerResources(undefined, { cpu: "50m", memory: "128Mi" }),
      mounts: [{ name: "config", path: "/etc/alertmanager", configMap: `${stack.name}-alertmanager-config` }],
      dataPath: "/alertmanager",
      storage: undefined,
      readinessPath: "/-/ready",
      configHash: hashOf(data),
    }),
    buildService(stack.name, "alertmanager", ports),
  ];
}

/** The OpenTelemetry Collector: config (the owner's, or OTLP in → Tempo out) → Deployment → Service. Nothing when off. */
export function buildCollector(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const c: Components["opentelemetryCollector"] = spec.components.opentelemetryCollector;
  if (!c || !isOn(c)) return [];
  const tempoOn = isOn(spec.components.tempo);
  const fallback = {
    receivers: { otlp: { protocols: { grpc: {}, http: {} } } },
    exporters: tempoOn
      ? { otlp: { endpoint: `${componentName(stack.name, "tempo")}:4317`, tls: { insecure: true } } }
      : { debug: {} },
    service: {
      pipelines: { traces: { receivers: ["otlp"], exporters: [tempoOn ? "otlp" : "debug"] } },
    },
  };
  const data = { "config.yaml": c.config ?? yaml(fallback) };
  const ports = [
    { name: "health", port: 13133 },
    { name: "otlp-grpc", port: 4317 },
    { name: "otlp-http", port: 4318 },
  ];
  const workload = buildWorkload(spec, {
    kind: "Deployment",
    platform: stack.name,
    component: "collector",
    image: `otel/opentelemetry-collector-contrib:${c.version ?? fallbackVersions.collector}`,
    args: ["--config=/etc/otelcol/config.yaml"],
    ports,
    replicas: haReplicas(spec, c.replicas),
    runAsUser: 10001,
    resources: containerResources(c.resources, { cpu: "100m", memory: "256Mi" }),
    mounts: [{ name: "config", path: "/etc/otelcol", configMap: `${stack.name}-collector-config` }],
    dataPath: "/var/lib/otelcol",
    storage: undefined,
    readinessPath: "/",
    configHash: hashOf(data),
  });
  return [
    buildConfigMap(stack.name, "collector", data),
    workload,
    buildService(stack.name, "collector", ports.slice(1)),
  ];
}
