import { randomBytes } from "node:crypto";
import type { Stack } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import { done, type ReconcileResult, type Reconciler } from "../../engine/result.ts";
import { withFinalizer } from "../../kube/finalizer.ts";
import { topologicalLevels } from "../../resources/render.ts";
import { decide, type Observation } from "./lifecycle.ts";
import { assessHealthPhase } from "./phases/assess-health.ts";
import { detectDriftPhase } from "./phases/detect-drift.ts";
import { generatedSecretsPhase } from "./phases/generated-secrets.ts";
import { planPhase } from "./phases/plan.ts";
import { prerequisitesPhase } from "./phases/prerequisites.ts";
import { prunePhase } from "./phases/prune.ts";
import { rollOutPhase } from "./phases/roll-out.ts";
import { validatePhase } from "./phases/validate.ts";
import { writeStatus } from "./phases/write-status.ts";
import type { Phase, StackDeps, StackPass } from "./stack-pass.ts";
import { teardown } from "./teardown.ts";
import { validateStack } from "./validate-stack.ts";

export { healthDeadlineAnnotation } from "./phases/assess-health.ts";

/** The finalizer Stackwarden puts on every stack it manages. */
export const stackFinalizer = "stackwarden.dev/finalizer";

/**
 * The live path of a stack, in order. Each phase returns "continue" or stops the pass with a
 * result and what the lifecycle sees; `assessHealth` always stops. The status is then written once.
 */
export const stackPipeline: readonly Phase[] = [
  validatePhase,
  prerequisitesPhase,
  generatedSecretsPhase,
  planPhase,
  detectDriftPhase,
  rollOutPhase,
  prunePhase,
  assessHealthPhase,
];

/** What is known of a stack before its phases run: its last recorded components, no problems. */
export function baseObservation(stack: Stack, failedAfter: number): Observation {
  return {
    deleting: false,
    paused: false,
    invalid: [],
    missing: [],
    installedBefore: stack.status?.lastKnownGood !== undefined,
    upgrading: false,
    components: (stack.status?.components ?? []).map((c) => ({
      name: c.name,
      healthy: c.ready,
      message: c.message,
    })),
    failures: 0,
    failedAfter,
  };
}

/**
 * The operator's reconcile of one stack (of the generic kind or a typed one): the finalizer, then
 * {@link stackPipeline} while it lives, teardown in reverse order once deleted. Level-based: it
 * reads the stack and its children from the caches and the state it carries between passes
 * (rollout, tracked UIDs, drift) from status, never from memory or from the triggering event.
 * It runs only on the leader, so a standby writes nothing.
 */
export class StackOperatorReconciler implements Reconciler<string> {
  readonly #deps: StackDeps;

  constructor(deps: StackDeps) {
    this.#deps = deps;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const object = this.#deps.stacks.get(key);
    if (!object) return done;
    return withFinalizer({
      client: this.#deps.apply.client,
      type: this.#deps.binding.type,
      object,
      finalizer: this.#deps.binding.finalizer,
      signal,
      written: (o) => this.#deps.stacks.written(o),
      apply: (o) => this.#live(this.#pass(key, o, signal)),
      cleanup: (o) => this.#delete(this.#pass(key, o, signal)),
    });
  }

  #pass(key: string, object: KubeObject, signal: AbortSignal): StackPass {
    const stack = this.#deps.binding.asStack(object);
    const generation = stack.metadata.generation ?? 0;
    const namespace = stack.metadata.namespace ?? "default";
    const log = this.#deps.log.child({
      kind: stack.kind ?? "Stack",
      namespace,
      name: stack.metadata.name,
      generation,
      reconcile_id: randomBytes(6).toString("hex"),
    });
    return { key, object, stack, generation, namespace, signal, log, status: [], events: [] };
  }

  async #live(pass: StackPass): Promise<ReconcileResult> {
    for (const phase of stackPipeline) {
      const outcome = await phase(this.#deps, pass);
      if (outcome.type === "continue") continue;
      const observation = { ...baseObservation(pass.stack, this.#deps.failedAfter), ...outcome.observation };
      await writeStatus(this.#deps, pass, decide(observation), outcome.status);
      pass.log.debug({ phase: phase.name, result: outcome.result }, "reconciled");
      return outcome.result;
    }
    throw new Error("the stack pipeline ended without a decision");
  }

  async #delete(pass: StackPass): Promise<ReconcileResult> {
    const { stack } = pass;
    const valid = validateStack(stack);
    const levels = valid.ok ? topologicalLevels(valid.value.template.components) : [];
    if (stack.status?.phase !== "Deleting") {
      const observation = { ...baseObservation(stack, this.#deps.failedAfter), deleting: true };
      await writeStatus(this.#deps, pass, decide(observation), []);
    }
    return teardown({
      ctx: { ...this.#deps.apply, signal: pass.signal },
      stack,
      levels,
      children: this.#deps.children(stack),
      deleteVolumes: stack.spec.deletionPolicy.volumes === "Delete",
      dataComponents: valid.ok ? valid.value.template.data.components : undefined,
    });
  }
}
