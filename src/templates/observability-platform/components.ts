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
import { collectorOf, fallbackVersions, isOn, vTag } from "./switches.ts";
import { toYaml } from "./prometheus.ts";

type Ctx = RenderContext<ObservabilityPlatformSpec>;

export { fallbackVersions, isOn } from "./switches.ts";
export { buildPrometheus, prometheusConfig } from "./prometheus.ts";
export { buildLoki } from "./loki.ts";
export { buildTempo } from "./tempo.ts";

/** Alertmanager: config (the owner's, or one null receiver) → StatefulSet → Service on 9093. Nothing when off. */
export function buildAlertmanager(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const a = spec.alerting?.alertmanager;
  if (!a || !isOn(a)) return [];
  const data = {
    "alertmanager.yml": a.config ?? toYaml({ route: { receiver: "null" }, receivers: [{ name: "null" }] }),
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
  const c = collectorOf(spec.components);
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
  const data = { "config.yaml": c.config ?? toYaml(fallback) };
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
