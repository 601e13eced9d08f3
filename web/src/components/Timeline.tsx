import type { ReactElement } from "react";
import type { StackEvent } from "../api.ts";
import { formatAge } from "../logic/age.ts";
import { eventKind, eventSummary } from "../logic/event-kind.ts";
import { Link } from "./Link.tsx";

const sourceLabel: Readonly<Record<string, string>> = {
  user: "user",
  reconciler: "reconciler",
  k8s_watch: "cluster",
  system: "system",
};

/** Events, newest first: time, type, source and actor, what it was about; drift stands out. */
export function Timeline(props: {
  events: readonly StackEvent[];
  now: number;
  stackNames?: ReadonlyMap<string, string>;
  empty: string;
}): ReactElement {
  if (props.events.length === 0) return <p className="muted">{props.empty}</p>;
  return (
    <ol className="timeline" aria-label="Events, newest first">
      {props.events.map((e) => {
        const kind = eventKind(e);
        const summary = eventSummary(e);
        const stackName = e.stackId ? (props.stackNames?.get(e.stackId) ?? null) : null;
        return (
          <li key={e.id} className={`event event-${kind}`} data-type={e.type} data-kind={kind}>
            <div className="event-head">
              <strong className="event-type">
                {kind === "drift" ? <span className="drift-tag">Drift</span> : null}
                {e.type}
              </strong>
              <time dateTime={e.createdAt} title={new Date(e.createdAt).toLocaleString()}>
                {formatAge(e.createdAt, props.now)} ago
              </time>
            </div>
            <div className="event-meta">
              <span className={`source source-${e.source}`}>{sourceLabel[e.source] ?? e.source}</span>
              <span>by {e.actor || "unknown"}</span>
              {stackName && e.stackId ? <Link href={`/stacks/${e.stackId}`}>{stackName}</Link> : null}
            </div>
            {summary ? <p className="event-summary">{summary}</p> : null}
          </li>
        );
      })}
    </ol>
  );
}
