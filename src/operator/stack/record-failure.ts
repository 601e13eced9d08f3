import type { KubeObject } from "../../api/object.ts";
import type { StackStatus } from "../../api/stack.ts";
import { toError } from "../../engine/errors.ts";
import type { StatusTransaction } from "../../engine/status-transaction.ts";
import { patchStatus } from "../../kube/status.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Redactor } from "../../kube/redactor.ts";
import type { Logger } from "../../observability/logger.ts";
import { kindStatusTransactions, type KindBinding } from "../kind-binding.ts";
import { decide } from "./lifecycle.ts";
import { baseObservation } from "./reconcile-stack.ts";
import { decisionStatus, failureStatus } from "./stack-status.ts";

/** What {@link recordFailure} needs. */
export interface FailureContext {
  readonly client: KubeClient;
  readonly binding: KindBinding;
  readonly redactor: Redactor;
  readonly log: Logger;
  readonly now: () => number;
  readonly failedAfter: number;
}

/**
 * Records a failed reconcile in status: `lastFailure` with its class and retry count (the message
 * redacted) and, once `failed`, the Failed phase. Written like every status, through the kind's
 * projection. A failure to write is logged, not thrown: the retry is already scheduled.
 */
export async function recordFailure(
  ctx: FailureContext,
  object: KubeObject,
  failure: { error: Error; failures: number; errorClass: string; failed: boolean },
): Promise<void> {
  const stack = ctx.binding.asStack(object);
  const message = ctx.redactor.redact(failure.error.message);
  const now = new Date(ctx.now()).toISOString();
  ctx.log.warn(
    {
      kind: ctx.binding.type.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      generation: object.metadata.generation,
      failures: failure.failures,
      errorClass: failure.errorClass,
      error: message,
    },
    "reconcile failed; retrying",
  );
  const engine: Array<StatusTransaction<StackStatus>> = [
    failureStatus({
      time: now,
      reason: `${failure.errorClass[0]!.toUpperCase()}${failure.errorClass.slice(1)}Error`,
      message,
      retryCount: failure.failures,
    }),
  ];
  if (failure.failed) {
    const observation = {
      ...baseObservation(stack, ctx.failedAfter),
      components: [],
      failures: failure.failures,
      lastError: message,
    };
    engine.push(decisionStatus(decide(observation), stack.metadata.generation ?? 0, now));
  }
  await patchStatus<Record<string, unknown>>({
    client: ctx.client,
    type: ctx.binding.type,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
    current: object,
    transactions: kindStatusTransactions(ctx.binding, object, engine),
  }).catch((e: unknown) => ctx.log.warn({ error: toError(e).message }, "could not record the failure"));
}
