/**
 * Test helpers for the control plane: reading a stack's history and waiting
 * for a stack to converge, as the store records them.
 */
import type { StackEvent, StackRecord } from "../controlplane/store/records.ts";
import type { Store } from "../controlplane/store/store.ts";
import { eventually } from "./eventually.ts";

/** A stack's events, oldest first; only those of `type` when given. */
export async function stackEvents(store: Store, id: string, type?: string): Promise<StackEvent[]> {
  const all = await store.events({ stackId: id, after: 0, limit: 1000 });
  return type === undefined ? all : all.filter((e) => e.type === type);
}

/**
 * Waits until the stack has applied its current generation, the operator
 * reports it Ready and its summary is Healthy; returns the stack then.
 */
export function stackConverged(
  store: Store,
  id: string,
  options: { timeoutMs?: number; explain?: () => Promise<string> } = {},
): Promise<StackRecord> {
  return eventually(
    `stack ${id} to converge`,
    async () => {
      const s = await store.stacks.get(id);
      const observed = await store.observed.observed(id);
      return s &&
        s.lastAppliedGeneration === s.generation &&
        observed?.phase === "Ready" &&
        s.statusSummary === "Healthy"
        ? s
        : undefined;
    },
    options,
  );
}
