import { useEffect, useMemo, useState, type ReactElement } from "react";
import { api, type StackEvent } from "../api.ts";
import { Timeline } from "../components/Timeline.tsx";
import { eventKinds, matchesEventFilter, mergeEvents, type EventFilter } from "../logic/event-kind.ts";
import { useEventStream, useNow } from "../live.ts";
import { LiveIndicator } from "./LiveIndicator.tsx";

const sources = [
  ["", "All sources"],
  ["user", "User"],
  ["reconciler", "Reconciler"],
  ["k8s_watch", "Cluster"],
  ["system", "System"],
] as const;

/** Every stack's events, live, filtered by kind, source and text. */
export function EventsPage(): ReactElement {
  const [events, setEvents] = useState<StackEvent[]>([]);
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState("");
  const [filter, setFilter] = useState<EventFilter>({ kind: "", source: "", text: "" });
  const now = useNow();
  useEffect(() => {
    api.events().then(
      (list) => setEvents((cur) => mergeEvents(cur, list, 1000)),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    api.stacks().then(
      (page) => setNames(new Map(page.items.map((s) => [s.stack.id, s.stack.name]))),
      () => undefined,
    );
  }, []);
  const stream = useEventStream(api.streamPath(), (e) => setEvents((cur) => mergeEvents(cur, [e], 1000)));
  const shown = useMemo(() => events.filter((e) => matchesEventFilter(e, filter)), [events, filter]);
  return (
    <main id="main" tabIndex={-1}>
      <div className="page-head">
        <h1>Events</h1>
        <LiveIndicator state={stream} />
      </div>
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="event-kind">Kind</label>
          <select
            id="event-kind"
            value={filter.kind}
            onChange={(e) => setFilter({ ...filter, kind: e.target.value as EventFilter["kind"] })}
          >
            <option value="">All kinds</option>
            {eventKinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="event-source">Source</label>
          <select
            id="event-source"
            value={filter.source}
            onChange={(e) => setFilter({ ...filter, source: e.target.value })}
          >
            {sources.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="event-text">Search</label>
          <input
            id="event-text"
            type="search"
            placeholder="type, actor, object"
            value={filter.text}
            onChange={(e) => setFilter({ ...filter, text: e.target.value })}
          />
        </div>
      </div>
      {error ? (
        <p className="banner error" role="alert">
          Could not load events: {error}
        </p>
      ) : null}
      <p className="muted" aria-live="polite">
        {shown.length} of {events.length} events
      </p>
      <Timeline events={shown} now={now} stackNames={names} empty="No events match." />
    </main>
  );
}
