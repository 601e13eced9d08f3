import type { MultigresSpec } from "../../api/multigres.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { buildStatelessService } from "./deployment.ts";
import { multigresNames } from "./names.ts";

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
  const [http, grpc] = multiorchPorts;
  return buildStatelessService(ctx, {
    name: multigresNames(ctx.stack.name).multiorch,
    component: "multiorch",
    ports: multiorchPorts,
    portFlags: [`--http-port=${http[1]}`, `--grpc-port=${grpc[1]}`],
  });
}
