import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { componentName, type PlatformComponent } from "./workload.ts";

/**
 * Ports other namespaces may reach, by component: where telemetry is pushed
 * in (Loki's push API, OTLP into Tempo and the collector) and where people
 * come in (Grafana, through an Ingress controller that lives elsewhere).
 */
const openPorts: Record<PlatformComponent, readonly number[]> = {
  prometheus: [],
  loki: [3100],
  tempo: [4317, 4318],
  grafana: [3000],
  alertmanager: [],
  collector: [4317, 4318],
};

/**
 * The NetworkPolicy `<platform>-<component>` when `security.networkPolicy` is
 * on (v1beta1's default): the component's pods take traffic from pods of
 * their own namespace on any port, and from anywhere on {@link openPorts};
 * egress is left alone. Nothing when the switch is off or absent.
 */
export function buildNetworkPolicy(
  ctx: RenderContext<ObservabilityPlatformSpec>,
  component: PlatformComponent,
): Manifest[] {
  if (ctx.params.security?.networkPolicy !== true) return [];
  const open = openPorts[component];
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: componentName(ctx.stack.name, component) },
      spec: {
        podSelector: { matchLabels: selectorLabels({ stack: ctx.stack.name, component }) },
        policyTypes: ["Ingress"],
        ingress: [
          { from: [{ podSelector: {} }] },
          ...(open.length > 0 ? [{ ports: open.map((port) => ({ protocol: "TCP", port })) }] : []),
        ],
      },
    },
  ];
}
