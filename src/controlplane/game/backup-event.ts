/** The events backup work records on a stack. */
import type { EventType, NewEvent, StackRecord } from "../store/records.ts";

/** An event of type `type` on `stack`, by `actor` (a person, or `schedule:<id>`). Pure. */
export function backupEvent(
  stack: Pick<StackRecord, "id">,
  actor: string,
  type: EventType,
  data: Record<string, unknown>,
): NewEvent {
  return { stackId: stack.id, source: "user" as const, type, actor, data };
}
