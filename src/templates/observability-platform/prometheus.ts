import { load, dump } from "js-yaml";
import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import type { FieldProblem } from "../../api/validate.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { isOn, vTag } from "./switches.ts";
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

/** A config file as block YAML: stable key order (the builder's), no anchors, long lines kept whole. */
export const toYaml = (value: unknown): string => dump(value, { noRefs: true, lineWidth: -1 });

/**
 * The owner's `additionalScrapeConfigs` as a list of scrape configs, or a
 * problem naming the field when it is not a YAML list of mappings each with a
 * `job_name`. Undefined when the field is not set.
 */
export function additionalScrapeConfigs(
  text: string | undefined,
): { configs: Array<Record<string, unknown>> } | { problem: FieldProblem } | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const path = "/components/prometheus/additionalScrapeConfigs";
  let parsed: unknown;
  try {
    parsed = load(text);
  } catch (e: unknown) {
    const reason = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return { problem: { path, message: `is not valid YAML: ${reason}` } };
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const bad = list.findIndex(
    (c) =>
      typeof c !== "object" || c === null || typeof (c as Record<string, unknown>)["job_name"] !== "string",
  );
  if (bad >= 0) {
    return {
      problem: { path, message: `item ${bad} is not a scrape config (a mapping with a job_name)` },
    };
  }
  return { configs: list as Array<Record<string, unknown>> };
}

/**
 * Prometheus's configuration: external labels (global ones, then the
 * component's own, which win), a self-scrape then the owner's additional
 * scrape configs, Alertmanager when it is on, rule files, remote write. The
 * rules file holds every group of `alerting.rules`, named `<rule set>-<group>`.
 * `customConfig` files replace generated files of the same name.
 */
export function prometheusConfig(ctx: Ctx): Record<string, string> {
  const { params: spec, stack } = ctx;
  const p = spec.components.prometheus;
  const rules = spec.alerting?.rules ?? [];
  const extra = additionalScrapeConfigs(p?.additionalScrapeConfigs);
  const config = {
    global: {
      scrape_interval: "30s",
      evaluation_interval: "30s",
      external_labels: {
        ...(spec.global?.externalLabels as Record<string, string> | undefined),
        ...(p?.externalLabels as Record<string, string> | undefined),
      },
    },
    ...(isOn(spec.alerting?.alertmanager) && {
      alerting: {
        alertmanagers: [
          { static_configs: [{ targets: [`${componentName(stack.name, "alertmanager")}:9093`] }] },
        ],
      },
    }),
    ...(rules.length > 0 && { rule_files: ["/etc/prometheus/rules.yml"] }),
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] },
      ...(extra && "configs" in extra ? extra.configs : []),
    ],
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
    "prometheus.yml": toYaml(config),
    ...(rules.length > 0 && { "rules.yml": toYaml(rulesFile) }),
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
      storage: p.storage ?? { size: "10Gi" },
      readinessPath: "/-/ready",
      configHash: hashOf(data),
    }),
    buildService(stack.name, "prometheus", ports),
  ];
}
