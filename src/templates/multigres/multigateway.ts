import type { MultigresSpec } from "../../api/multigres.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { servicePorts } from "./container.ts";
import { buildStatelessService } from "./deployment.ts";
import { multigresNames } from "./names.ts";

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
  const [http, grpc, pg] = multigatewayPorts;
  const [deployment, ...hpa] = buildStatelessService(ctx, {
    name,
    component: "multigateway",
    ports: multigatewayPorts,
    portFlags: [`--http-port=${http[1]}`, `--grpc-port=${grpc[1]}`, `--pg-port=${pg[1]}`],
  });
  return [
    ...(deployment ? [deployment] : []),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: {
        type: params.multigateway.serviceType,
        selector: selectorLabels({ stack: stack.name, component: "multigateway" }),
        ports: servicePorts(multigatewayPorts),
      },
    },
    ...hpa,
  ];
}
