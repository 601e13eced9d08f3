import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";

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
export const vTag = (v: string): string => (v.startsWith("v") ? v : `v${v}`);

/** `2.9.0` for `v2.9.0` or `2.9.0`: Grafana-project images (Loki, Tempo) tag without the `v`. */
export const bareTag = (v: string): string => v.replace(/^v/, "");

/**
 * The collector's block, spelled either way: `opentelemetryCollector` (gunj's
 * Go types, v1alpha1) or `openTelemetryCollector` (its v1beta1 CRD). The
 * schema refuses both at once.
 */
export function collectorOf(components: Components): Components["opentelemetryCollector"] {
  return components.opentelemetryCollector ?? components.openTelemetryCollector;
}

/** The JSON pointer of the collector's block as the owner spelled it. */
export function collectorPointer(components: Components): string {
  return components.openTelemetryCollector !== undefined && components.opentelemetryCollector === undefined
    ? "/components/openTelemetryCollector"
    : "/components/opentelemetryCollector";
}
