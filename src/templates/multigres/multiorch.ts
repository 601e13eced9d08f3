import type { MultigresSpec } from "../../api/multigres.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { restrictedSecurityContext } from "../../resources/pod-defaults.ts";
import type { RenderContext } from "../template.ts";
import { buildAutoscaler, replicasUnlessAutoscaled } from "./autoscaler.ts";
import { container } from "./container.ts";
import { multigresNames, topologyFlags } from "./names.ts";

/** The multiorch's ports: HTTP 15300, gRPC 15370. */
export const multiorchPorts = [
  ["http", 15300],
  ["grpc", 15370],
] as const;

/**
 * The multiorch, which watches the poolers and runs failovers: a Deployment
 * of `spec.multiorch.replicas` (left out under an HPA) and the HPA when
 * autoscaling is on.
 */
export function buildMultiorch(ctx: RenderContext<MultigresSpec>): Manifest[] {
  const { stack, params } = ctx;
  const name = multigresNames(stack.name).multiorch;
  const spec = params.multiorch;
  const [http, grpc] = multiorchPorts;
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
                name: "multiorch",
                image: params.image,
                pullPolicy: params.imagePullPolicy,
                ports: multiorchPorts,
                resources: spec.resources,
                command: ["multiorch"],
                args: [`--http-port=${http[1]}`, `--grpc-port=${grpc[1]}`, ...topologyFlags(stack)],
                readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10 },
              }),
            ],
          },
        },
      },
    },
    ...(hpa ? [hpa] : []),
  ];
}
