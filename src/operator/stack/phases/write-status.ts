import type { StackStatus } from "../../../api/stack.ts";
import type { StatusTransaction } from "../../../engine/status-transaction.ts";
import { patchStatus } from "../../../kube/status.ts";
import { kindStatusTransactions } from "../../kind-binding.ts";
import type { Decision } from "../lifecycle.ts";
import { decisionStatus } from "../stack-status.ts";
import type { StackDeps, StackEvent, StackPass } from "../stack-pass.ts";

/**
 * Writes status transactions to the pass's object (projected for a typed kind), skipping the
 * write when nothing changes, and carries on from the object written. Returns whether it wrote.
 */
export async function writeStackStatus(
  deps: StackDeps,
  pass: StackPass,
  transactions: ReadonlyArray<StatusTransaction<StackStatus>>,
): Promise<boolean> {
  const { object, changed } = await patchStatus<Record<string, unknown>>({
    client: deps.apply.client,
    type: deps.binding.type,
    namespace: pass.object.metadata.namespace,
    name: pass.object.metadata.name,
    current: pass.object,
    transactions: kindStatusTransactions(deps.binding, pass.object, transactions),
    signal: pass.signal,
    written: (o) => deps.stacks.written(o),
  });
  pass.object = object;
  pass.stack = deps.binding.asStack(object);
  return changed;
}

/**
 * Write status, the last phase: the decision's phase and conditions with every transaction the
 * phases gathered, in one patch (none when nothing changed). Then, and only once it is written,
 * a phase change is counted and recorded as an Event, and the phases' Events are recorded.
 */
export async function writeStatus(
  deps: StackDeps,
  pass: StackPass,
  decision: Decision,
  transactions: ReadonlyArray<StatusTransaction<StackStatus>>,
): Promise<void> {
  const from = pass.stack.status?.phase ?? "";
  const now = new Date(deps.now()).toISOString();
  const changed = await writeStackStatus(deps, pass, [
    decisionStatus(decision, pass.generation, now),
    ...pass.status,
    ...transactions,
  ]);
  pass.log.debug(
    { phase: decision.phase, reason: decision.reason, statusWritten: changed },
    decision.message,
  );
  if (from !== decision.phase) {
    const kind = pass.stack.kind ?? "Stack";
    deps.metrics.transitions.inc({ kind, from: from || "None", to: decision.phase });
    deps.onTransition?.(pass.object, from || "None", decision.phase);
    const warning = decision.phase === "Failed" || decision.reason === "RollingBack";
    (warning ? pass.log.warn : pass.log.info).call(
      pass.log,
      { from: from || "None", to: decision.phase, reason: decision.reason },
      decision.message,
    );
    recordEvent(deps, pass, {
      type: warning ? "Warning" : "Normal",
      reason: decision.reason,
      action: "Reconcile",
      note: `${from || "new"} → ${decision.phase}: ${decision.message}`,
    });
  }
  for (const event of pass.events.splice(0)) recordEvent(deps, pass, event);
}

/** Records an Event on the pass's object. */
export function recordEvent(deps: StackDeps, pass: StackPass, event: StackEvent): void {
  const { stack } = pass;
  deps.events.record(
    {
      apiVersion: stack.apiVersion ?? "stackwarden.dev/v1alpha1",
      kind: stack.kind ?? "Stack",
      name: stack.metadata.name,
      ...(stack.metadata.namespace ? { namespace: stack.metadata.namespace } : {}),
      ...(stack.metadata.uid ? { uid: stack.metadata.uid } : {}),
    },
    event,
  );
}
