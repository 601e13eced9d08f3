import type { KindBinding } from "./kind-binding.ts";
import { stackBinding } from "./stack/stack-controller.ts";

/**
 * Every kind the operator serves, each bound to the Stack engine. The typed
 * kinds (issue 5) are added here as they land.
 */
export const boundKinds: readonly KindBinding[] = [stackBinding];
