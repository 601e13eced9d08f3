import type { KindBinding } from "./kind-binding.ts";
import { stackBinding } from "./stack/stack-controller.ts";
import { chronikClusterBinding } from "./kinds/chronik-cluster.ts";
import { chronikIoClusterBinding } from "./kinds/chronik-io-cluster.ts";
import { multigresBinding } from "./kinds/multigres.ts";
import { multigresClusterBinding } from "./kinds/multigres-cluster.ts";
import { observabilityPlatformBinding } from "./kinds/observability-platform.ts";

/**
 * Every kind the operator serves, each bound to the Stack engine: the generic
 * Stack and the typed kinds whose users move over unchanged.
 */
export const boundKinds: readonly KindBinding[] = [
  stackBinding,
  observabilityPlatformBinding,
  chronikClusterBinding,
  chronikIoClusterBinding,
  multigresBinding,
  multigresClusterBinding,
];
