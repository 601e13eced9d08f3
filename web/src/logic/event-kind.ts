/**
 * What an event in a stack's history means to a person: drift (someone else
 * changed or deleted what we manage), an error, a user's action, progress, or
 * plain information. The timelines colour and filter by it, and the stacks
 * list shows a drift badge for stacks with recent drift.
 */

/** The classes of events; each has a CSS class `event-<name>`. */
export const eventKinds = ["drift", "error", "user", "progress", "info"] as const;
export type EventKind = (typeof eventKinds)[number];

/** The fields of a control-plane event the UI reads. */
export interface EventLike {
  readonly id: number;
  readonly stackId: string | null;
  readonly source: string;
  readonly type: string;
  readonly actor: string;
  readonly createdAt: string;
  readonly data?: Record<string, unknown>;
}

const drift = new Set([
  "ResourceDeletedExternally",
  "ResourceModifiedExternally",
  "DriftCorrected",
  "DriftIgnored",
  "DesiredAdoptedFromCluster",
  "AdoptionRejected",
]);
const errors = new Set(["ReconcileFailed", "ReconcileDeferred"]);
const progress = new Set(["ReconcileStarted", "ReconcileSucceeded", "PhaseChanged", "ResourceCreated"]);

/** The kind of an event, by its type first (drift, errors) and then its source. */
export function eventKind(event: Pick<EventLike, "type" | "source" | "data">): EventKind {
  if (drift.has(event.type)) return "drift";
  if (errors.has(event.type)) return "error";
  if (event.type === "KubernetesEvent" && event.data?.["type"] === "Warning") return "error";
  if (event.source === "user") return "user";
  if (progress.has(event.type)) return "progress";
  return "info";
}

/** Whether an event is drift: a change or deletion of a managed object that we did not make. */
export function isDrift(event: Pick<EventLike, "type">): boolean {
  return drift.has(event.type);
}

/**
 * A one-line summary of an event's data for the timeline: the object it is
 * about (`Service mc-1`), a phase change (`Installing → Ready`), a reason or
 * message, whichever the data has. Empty when it has none of them.
 */
export function eventSummary(event: Pick<EventLike, "data">): string {
  const d = event.data ?? {};
  const str = (k: string): string | undefined => {
    const v = d[k];
    return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
  };
  const parts: string[] = [];
  const kind = str("kind");
  const name = str("name");
  if (kind || name) parts.push([kind, name].filter(Boolean).join(" "));
  const from = str("from");
  const to = str("to") ?? str("phase");
  if (from && to) parts.push(`${from} → ${to}`);
  else if (to) parts.push(to);
  const field = str("field") ?? str("path");
  if (field) parts.push(field);
  const why = str("message") ?? str("reason") ?? str("error");
  if (why) parts.push(why);
  return parts.join(" · ");
}

/** Filters for a timeline; empty strings match everything. */
export interface EventFilter {
  readonly kind: EventKind | "";
  readonly source: string;
  readonly text: string;
}

/** Whether `event` passes `filter` (text matches type, actor, stack id or summary, ignoring case). */
export function matchesEventFilter(event: EventLike, filter: EventFilter): boolean {
  if (filter.kind && eventKind(event) !== filter.kind) return false;
  if (filter.source && event.source !== filter.source) return false;
  const text = filter.text.trim().toLowerCase();
  if (!text) return true;
  const hay = [event.type, event.actor, event.stackId ?? "", eventSummary(event)].join(" ").toLowerCase();
  return hay.includes(text);
}

/** The ids of stacks with a drift event newer than `windowMs` before `now`. */
export function stacksWithRecentDrift(
  events: readonly EventLike[],
  now: number,
  windowMs: number,
): Set<string> {
  const out = new Set<string>();
  for (const e of events) {
    if (!e.stackId || !isDrift(e)) continue;
    const at = Date.parse(e.createdAt);
    if (Number.isFinite(at) && now - at <= windowMs) out.add(e.stackId);
  }
  return out;
}

/**
 * Merges newly received events into a timeline, newest first, without
 * duplicates (a stream that resumes may repeat what a page load fetched),
 * keeping at most `limit`.
 */
export function mergeEvents<E extends EventLike>(
  current: readonly E[],
  incoming: readonly E[],
  limit: number,
): E[] {
  const byId = new Map<number, E>();
  for (const e of current) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, limit);
}
