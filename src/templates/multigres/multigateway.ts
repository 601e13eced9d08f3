import type { MultigresSpec } from "../../api/multigres.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { restrictedSecurityContext } from "../../resources/pod-defaults.ts";
import type { RenderContext } from "../template.ts";
import { buildAutoscaler, replicasUnlessAutoscaled } from "./autoscaler.ts";
import { container, servicePorts } from "./container.ts";
import { multigresNames, topologyFlags } from "./names.ts";

/** The multigateway's ports: HTTP 15100, gRPC 15170, Postgres protocol 15432. */
export const multigatewayPorts = [
  ["http", 15100],
  ["grpc", 15170],
  ["postgres", 15432],
] as const;

/**
 * The multigateway, the Postgres-protocol entry point: a Deployment of
 * `spec.multigateway.replicas` (left out under an HPA), a Service of
 * `serviceType` on its three ports, and the HPA when autoscaling is on.
 */
export function buildMultigateway(ctx: RenderContext<MultigresSpec>): Manifest[] {
  const { stack, params } = ctx;
  const name = multigresNames(stack.name).multigateway;
  const spec = params.multigateway;
  const [http, grpc, pg] = multigatewayPorts;
  const hpa = buildAutoscaler({ kind: "Deployment", name, autoscaling: spec.autoscaling });
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        ...replicasUnlessAutoscaled(spec.replicas, spec.autoscaling),
        template: {
          spec: {
            securityContext: restrictedSecurityContext({ runAsUser: 1000, runAsGroup: 1000 }),
            enableServiceLinks: false,
            containers: [
              container({
                name: "multigateway",
                image: params.image,
                pullPolicy: params.imagePullPolicy,
                ports: multigatewayPorts,
                resources: spec.resources,
                command: ["multigateway"],
                args: [
                  `--http-port=${http[1]}`,
                  `--grpc-port=${grpc[1]}`,
                  `--pg-port=${pg[1]}`,
                  ...topologyFlags(stack),
                ],
                readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10 },
              }),
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: {
        type: spec.serviceType,
        selector: selectorLabels({ stack: stack.name, component: "multigateway" }),
        ports: servicePorts(multigatewayPorts),
      },
    },
    ...(hpa ? [hpa] : []),
  ];
}
