import type { Counter } from "prom-client";
import type { Stack, StackStatus } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import type { ReconcileResult } from "../../engine/result.ts";
import type { StatusTransaction } from "../../engine/status-transaction.ts";
import type { ApplyContext } from "../../kube/apply.ts";
import type { EventRecorder } from "../../kube/event-recorder.ts";
import type { Redactor } from "../../kube/redactor.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Rendered } from "../../resources/render.ts";
import type { KindBinding } from "../kind-binding.ts";
import type { Observation } from "./lifecycle.ts";
import type { Rollout } from "./rollout.ts";
import type { ValidStack } from "./validate-stack.ts";
import type { IgnoreRule } from "../../api/stack.ts";

/** What the Stack reconcile needs from the process around it (caches, client, recorder, metrics). */
export interface StackDeps {
  readonly apply: ApplyContext;
  /** The kind served and how it maps onto the engine. */
  readonly binding: KindBinding;
  readonly stacks: { get(key: string): KubeObject | undefined; written(o: KubeObject): void };
  /** The stack's children known to the caches (labelled as ours and owned by the stack). */
  readonly children: (stack: Stack) => KubeObject[];
  /** The cached child of a kind in a namespace, or undefined. */
  readonly child: (kind: string, namespace: string, name: string) => KubeObject | undefined;
  readonly events: EventRecorder;
  readonly redactor: Redactor;
  readonly log: Logger;
  readonly now: () => number;
  readonly metrics: {
    readonly transitions: Counter<"kind" | "from" | "to">;
    readonly drift: Counter<"resource_kind" | "change">;
  };
  /** Called on every phase change, for a kind's own metrics. */
  readonly onTransition?: (object: KubeObject, from: string, to: string) => void;
  readonly failedAfter: number;
}

/** What the plan phase decided to roll out in this pass. */
export interface Plan {
  readonly target: ValidStack;
  readonly rendered: Rendered;
  /** `rendered` with every ignored field left out: what is applied and compared. */
  readonly desired: Rendered;
  readonly levels: string[][];
  readonly rules: readonly IgnoreRule[];
  /** The spec differs from the last known good one in an upgrade-class field. */
  readonly upgradeClass: boolean;
  /** This pass rolls out the last known good spec (an upgrade to this generation was rolled back). */
  readonly runningGood: boolean;
}

/** An Event to record once the status that goes with it is written. */
export interface StackEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly action: string;
  readonly note: string;
}

/**
 * One reconcile of one stack, as the phases fill it in: the object, its engine view, and what
 * each phase found for the phases after it. Lives for one pass only; nothing in it outlives the
 * reconcile (what must be remembered goes to status).
 */
export interface StackPass {
  readonly key: string;
  /** The object as stored (a typed kind's own shape). */
  object: KubeObject;
  /** The object as the engine sees it. */
  stack: Stack;
  readonly generation: number;
  readonly namespace: string;
  readonly signal: AbortSignal;
  /** Carries kind, namespace, name, generation, the reconcile id and the trace id. */
  readonly log: Logger;
  valid?: ValidStack;
  secrets?: string[];
  plan?: Plan;
  rollout?: Rollout;
  /** Status changes made by earlier phases, written with the final status. */
  readonly status: Array<StatusTransaction<StackStatus>>;
  /** Events to record once the final status is written. */
  readonly events: StackEvent[];
}

/** What a phase returns: go on to the next phase, or stop with a result and what status to write. */
export type PhaseOutcome =
  | { readonly type: "continue" }
  | {
      readonly type: "stop";
      readonly result: ReconcileResult;
      /** What the lifecycle decision sees (on top of the stack's last recorded components). */
      readonly observation: Partial<Observation>;
      readonly status: ReadonlyArray<StatusTransaction<StackStatus>>;
    };

/** One step of the Stack reconcile. */
export type Phase = (deps: StackDeps, pass: StackPass) => Promise<PhaseOutcome>;

/** The outcome that hands over to the next phase. */
export const proceed: PhaseOutcome = Object.freeze({ type: "continue" });

/** The outcome that ends the pass with `result`, the lifecycle seeing `observation`. */
export function stop(
  result: ReconcileResult,
  observation: Partial<Observation>,
  status: ReadonlyArray<StatusTransaction<StackStatus>> = [],
): PhaseOutcome {
  return { type: "stop", result, observation, status };
}
