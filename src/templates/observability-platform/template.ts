import {
  ObservabilityPlatformSpecSchema,
  type ObservabilityPlatformSpec,
} from "../../api/observability-platform.ts";
import type { FieldProblem, Template } from "../template.ts";
import {
  buildAlertmanager,
  buildCollector,
  buildLoki,
  buildPrometheus,
  buildTempo,
  isOn,
} from "./components.ts";
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
  ["/components/opentelemetryCollector", isOn(spec.components.opentelemetryCollector)],
];

/** The pointers of the enabled components' blocks; empty when the platform enables nothing. */
export function enabledComponents(spec: ObservabilityPlatformSpec): string[] {
  return switches(spec)
    .filter(([, on]) => on)
    .map(([p]) => p);
}

/**
 * Rules the schema cannot say: a platform must enable at least one component
 * (reported at `/components`).
 */
export function validateObservabilityPlatform(spec: ObservabilityPlatformSpec): FieldProblem[] {
  return enabledComponents(spec).length === 0
    ? [
        {
          path: "/components",
          message:
            "a platform that enables no component is invalid: enable at least one of prometheus, loki, tempo, grafana, opentelemetryCollector or alerting.alertmanager",
        },
      ]
    : [];
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
  ],
  guardrails: {
    immutable: ["/components/prometheus/storage", "/components/loki/storage", "/components/tempo/storage"],
    adoptable: [],
  },
  components: [
    { name: "prometheus", dependsOn: [], healthDeadlineSeconds: 300, build: buildPrometheus },
    { name: "loki", dependsOn: ["prometheus"], healthDeadlineSeconds: 300, build: buildLoki },
    { name: "tempo", dependsOn: ["loki"], healthDeadlineSeconds: 300, build: buildTempo },
    { name: "grafana", dependsOn: ["tempo"], healthDeadlineSeconds: 300, build: buildGrafana },
    { name: "alertmanager", dependsOn: ["grafana"], healthDeadlineSeconds: 300, build: buildAlertmanager },
    { name: "collector", dependsOn: ["tempo"], healthDeadlineSeconds: 300, build: buildCollector },
  ],
  upgrade: {
    fields: [
      "/components/prometheus/version",
      "/components/loki/version",
      "/components/tempo/version",
      "/components/grafana/version",
      "/components/opentelemetryCollector/version",
      "/alerting/alertmanager/version",
    ],
  },
  ignore: [],
  generatedSecrets: [{ name: grafanaAdminSecret, keys: [grafanaPasswordKey], length: 24 }],
  prerequisites: () => [],
  data: { components: ["prometheus", "loki", "tempo"] },
};
