import {
  ObservabilityPlatformSpecSchema,
  type ObservabilityPlatformSpec,
} from "../../api/observability-platform.ts";
import type { Component, FieldProblem, RenderContext, Template } from "../template.ts";
import type { KubeObject } from "../../api/object.ts";
import { buildAlertmanager, buildCollector, buildLoki, buildPrometheus, buildTempo } from "./components.ts";
import { additionalScrapeConfigs } from "./prometheus.ts";
import { buildNetworkPolicy } from "./network-policy.ts";
import { collectorOf, collectorPointer, isOn } from "./switches.ts";
import type { PlatformComponent } from "./workload.ts";
import { buildGrafana, grafanaAdminSecret, grafanaPasswordKey } from "./grafana.ts";

/** The template's name, as `ObservabilityPlatform` objects name it in their Stack view. */
export const observabilityPlatformTemplateName = "observability-platform";

/** Every component's `enabled` switch, by the JSON pointer of its block. */
const switches = (spec: ObservabilityPlatformSpec): Array<[pointer: string, on: boolean]> => [
  ["/components/prometheus", isOn(spec.components.prometheus)],
  ["/components/loki", isOn(spec.components.loki)],
  ["/components/tempo", isOn(spec.components.tempo)],
  ["/components/grafana", isOn(spec.components.grafana)],
  ["/alerting/alertmanager", isOn(spec.alerting?.alertmanager)],
  [collectorPointer(spec.components), isOn(collectorOf(spec.components))],
];

/** The pointers of the enabled components' blocks; empty when the platform enables nothing. */
export function enabledComponents(spec: ObservabilityPlatformSpec): string[] {
  return switches(spec)
    .filter(([, on]) => on)
    .map(([p]) => p);
}

/**
 * Rules the schema cannot say: a platform must enable at least one component
 * (reported at `/components`; the CRD's CEL rule refuses it at admission too),
 * and `additionalScrapeConfigs` must be a YAML list of scrape configs.
 */
export function validateObservabilityPlatform(spec: ObservabilityPlatformSpec): FieldProblem[] {
  const scrape = additionalScrapeConfigs(spec.components.prometheus?.additionalScrapeConfigs);
  const problems = scrape && "problem" in scrape ? [scrape.problem] : [];
  return enabledComponents(spec).length === 0
    ? [
        ...problems,
        {
          path: "/components",
          message:
            "a platform that enables no component is invalid: enable at least one of prometheus, loki, tempo, grafana, opentelemetryCollector or alerting.alertmanager",
        },
      ]
    : problems;
}

type Ctx = RenderContext<ObservabilityPlatformSpec>;

/** A component of the platform: its builder, then its NetworkPolicy when there is anything to guard. */
function component(
  name: PlatformComponent,
  dependsOn: readonly PlatformComponent[],
  build: (ctx: Ctx) => readonly KubeObject[],
): Component<ObservabilityPlatformSpec> {
  return {
    name,
    dependsOn,
    healthDeadlineSeconds: 300,
    build: (ctx) => {
      const objects = build(ctx);
      return objects.length > 0 ? [...objects, ...buildNetworkPolicy(ctx, name)] : [];
    },
  };
}

/**
 * `observability-platform`: the template behind the `ObservabilityPlatform`
 * kind; its parameters are the kind's spec (`v1alpha1`, as stored).
 *
 * Components install in the design's order, each waiting for the one before:
 * prometheus → loki → tempo → grafana → alertmanager, and the collector after
 * tempo. A disabled component renders nothing and is healthy at once, so each
 * enabled component in effect waits for the previous enabled one. Changing a
 * component's version is an upgrade (snapshot, roll, roll back on failure).
 * Storage blocks are fixed once installed (volume claim templates are
 * immutable). Grafana's admin password is generated into `<name>-grafana-admin`
 * unless the spec gives one; either way it lives only in a Secret. The rule
 * "a platform enables at least one component" is checked by the kind's
 * binding ({@link validateObservabilityPlatform}), once, before the engine's
 * own validation.
 */
export const observabilityPlatform: Template<ObservabilityPlatformSpec> = {
  name: observabilityPlatformTemplateName,
  version: "1.0.0",
  description:
    "Prometheus, Loki, Tempo, Grafana, Alertmanager and an OpenTelemetry Collector as one platform.",
  params: ObservabilityPlatformSpecSchema,
  secretParams: [
    "/components/grafana/adminPassword",
    "/components/loki/s3/accessKeyId",
    "/components/loki/s3/secretAccessKey",
    "/components/tempo/s3/accessKeyId",
    "/components/tempo/s3/secretAccessKey",
    "/components/grafana/smtp/password",
    "/security/authentication/basic/password",
    "/security/authentication/ldap/bindPassword",
    "/security/authentication/oidc/clientSecret",
    "/backup/destination/s3/accessKeyId",
    "/backup/destination/s3/secretAccessKey",
    "/backup/destination/gcs/serviceAccountKey",
    "/backup/destination/azure/storageAccessKey",
  ],
  guardrails: {
    immutable: ["/components/prometheus/storage", "/components/loki/storage", "/components/tempo/storage"],
    adoptable: [],
  },
  components: [
    component("prometheus", [], buildPrometheus),
    component("loki", ["prometheus"], buildLoki),
    component("tempo", ["loki"], buildTempo),
    component("grafana", ["tempo"], buildGrafana),
    component("alertmanager", ["grafana"], buildAlertmanager),
    component("collector", ["tempo"], buildCollector),
  ],
  upgrade: {
    fields: [
      "/components/prometheus/version",
      "/components/loki/version",
      "/components/tempo/version",
      "/components/grafana/version",
      "/components/opentelemetryCollector/version",
      "/components/openTelemetryCollector/version",
      "/alerting/alertmanager/version",
    ],
  },
  ignore: [],
  generatedSecrets: [{ name: grafanaAdminSecret, keys: [grafanaPasswordKey], length: 24 }],
  prerequisites: () => [],
  data: { components: ["prometheus", "loki", "tempo"] },
};
