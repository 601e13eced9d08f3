import type { MultigresSpec } from "../../api/multigres.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { restrictedSecurityContext } from "../../resources/pod-defaults.ts";
import type { RenderContext } from "../template.ts";
import { buildAutoscaler, replicasUnlessAutoscaled } from "./autoscaler.ts";
import { container } from "./container.ts";
import { topologyFlags } from "./names.ts";

/** One of Multigres' stateless services: the multigateway or the multiorch. */
export interface StatelessService {
  readonly name: string;
  readonly component: "multigateway" | "multiorch";
  readonly ports: ReadonlyArray<readonly [name: string, port: number]>;
  /** Flags naming the ports, before the topology flags. */
  readonly portFlags: readonly string[];
}

/**
 * A stateless Multigres service as a Deployment (replicas left out under an
 * HPA), non-root, with a readiness probe on its HTTP port — plus its HPA when
 * autoscaling is on, last, so it is applied after the Deployment. Pure.
 */
export function buildStatelessService(ctx: RenderContext<MultigresSpec>, s: StatelessService): Manifest[] {
  const { stack, params } = ctx;
  const spec = params[s.component];
  const hpa = buildAutoscaler({ kind: "Deployment", name: s.name, autoscaling: spec.autoscaling });
  const deployment: Manifest = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: s.name },
    spec: {
      ...replicasUnlessAutoscaled(spec.replicas, spec.autoscaling),
      template: {
        spec: {
          securityContext: restrictedSecurityContext({ runAsUser: 1000, runAsGroup: 1000 }),
          enableServiceLinks: false,
          containers: [
            container({
              name: s.component,
              image: params.image,
              pullPolicy: params.imagePullPolicy,
              ports: s.ports,
              resources: spec.resources,
              command: [s.component],
              args: [...s.portFlags, ...topologyFlags(stack)],
              readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10 },
            }),
          ],
        },
      },
    },
  };
  return [deployment, ...(hpa ? [hpa] : [])];
}
