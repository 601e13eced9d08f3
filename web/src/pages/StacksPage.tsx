import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from "react";
import { api, ApiError, canWrite, type Role, type StackDetail, type StackEvent } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { PhaseBadge } from "../components/PhaseBadge.tsx";
import { formatAge } from "../logic/age.ts";
import { mergeEvents, stacksWithRecentDrift } from "../logic/event-kind.ts";
import { useEventStream, useNow } from "../live.ts";
import { LiveIndicator } from "./LiveIndicator.tsx";

/** Drift newer than this puts a badge on the stack. */
const driftWindowMs = 15 * 60_000;

/** The phase a stack shows: what the cluster reports, or what the owner asked for while nothing was seen. */
export function shownPhase(s: StackDetail): string {
  if (s.stack.desiredState === "Deleted") return "Deleting";
  if (s.stack.power === "Stopped") return "Stopped";
  if (s.stack.desiredState === "Paused" && s.observed?.phase !== "Paused")
    return s.observed?.phase ?? "Paused";
  return s.observed?.phase ?? "Pending";
}

/** Every stack, live: phase, readiness, drift, age; filter by phase and search by name, template, namespace. */
export function StacksPage({ role }: { role: Role }): ReactElement {
  const [stacks, setStacks] = useState<ReadonlyMap<string, StackDetail> | null>(null);
  const [events, setEvents] = useState<StackEvent[]>([]);
  const [error, setError] = useState("");
  const [search, setSearch] = useState("");
  const [phase, setPhase] = useState("");
  const now = useNow();
  const put = useCallback((id: string, detail: StackDetail | null): void => {
    setStacks((cur) => {
      const next = new Map(cur ?? []);
      if (detail && detail.stack.removedAt === null) next.set(id, detail);
      else next.delete(id);
      return next;
    });
  }, []);
  // The list carries each stack's observed cache; a live event refreshes the one stack it names.
  // Only the newest answer per stack counts: an older fetch finishing late must not bring back a stack
  // that a newer one found removed.
  const asked = useRef(new Map<string, number>());
  const refresh = useCallback(
    async (id: string): Promise<void> => {
      const n = (asked.current.get(id) ?? 0) + 1;
      asked.current.set(id, n);
      try {
        const detail = await api.stack(id);
        if (asked.current.get(id) === n) put(id, detail);
      } catch (e: unknown) {
        if (asked.current.get(id) === n && e instanceof ApiError && e.status === 404) put(id, null);
      }
    },
    [put],
  );
  const reload = useCallback(async (): Promise<void> => {
    try {
      const records: StackDetail[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: StackDetail[]; nextCursor: string | null } = await api.stacks(
          cursor ?? undefined,
        );
        records.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && records.length < 1000);
      const live = records.filter((s) => s.stack.removedAt === null);
      // A listing is newer than any answer asked for before it: it wins.
      for (const s of live) asked.current.set(s.stack.id, (asked.current.get(s.stack.id) ?? 0) + 1);
      setStacks(new Map(live.map((s) => [s.stack.id, s])));
      setError("");
    } catch (e: unknown) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    void reload();
    api.events().then(
      (list) => setEvents((cur) => mergeEvents(cur, list, 500)),
      () => undefined,
    );
  }, [reload]);
  // Events come in bursts (a reconcile writes several): refresh each stack they name once per burst.
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const timers = pending.current;
    return () => timers.forEach((t) => clearTimeout(t));
  }, []);
  const known = useRef<ReadonlyMap<string, StackDetail> | null>(null);
  known.current = stacks;
  const stream = useEventStream(api.streamPath(), (e) => {
    setEvents((current) => mergeEvents(current, [e], 500));
    if (!e.stackId) return;
    const key = known.current?.has(e.stackId) ? e.stackId : "";
    clearTimeout(pending.current.get(key));
    pending.current.set(
      key,
      setTimeout(() => {
        pending.current.delete(key);
        void (key ? refresh(key) : reload());
      }, 250),
    );
  });
  // The stream starts where the server stood when it answered: listing again once it is live
  // covers whatever changed between the first listing and that moment.
  useEffect(() => {
    if (stream === "live") void reload();
  }, [stream, reload]);
  const drifted = useMemo(() => stacksWithRecentDrift(events, now, driftWindowMs), [events, now]);
  const all = useMemo(
    () => [...(stacks?.values() ?? [])].sort((a, b) => a.stack.createdAt.localeCompare(b.stack.createdAt)),
    [stacks],
  );
  const phases = useMemo(() => [...new Set(all.map(shownPhase))].sort(), [all]);
  const needle = search.trim().toLowerCase();
  const shown = all.filter(
    (s) =>
      (!phase || shownPhase(s) === phase) &&
      (!needle ||
        [s.stack.name, s.stack.template, s.stack.namespace, s.stack.cluster].some((v) =>
          v.toLowerCase().includes(needle),
        )),
  );
  return (
    <main id="main" tabIndex={-1}>
      <div className="page-head">
        <h1>Stacks</h1>
        <LiveIndicator state={stream} />
        {canWrite(role) ? (
          <Link className="button primary" href="/new">
            New stack
          </Link>
        ) : null}
      </div>
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="stack-search">Search</label>
          <input
            id="stack-search"
            type="search"
            placeholder="name, template, namespace"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="stack-phase">Phase</label>
          <select id="stack-phase" value={phase} onChange={(e) => setPhase(e.target.value)}>
            <option value="">All phases</option>
            {phases.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </div>
      </div>
      {error ? (
        <p className="banner error" role="alert">
          Could not load stacks: {error}
        </p>
      ) : null}
      {stacks === null ? (
        <p className="muted">Loading stacks…</p>
      ) : shown.length === 0 ? (
        <p className="muted">{all.length === 0 ? "No stacks yet." : "No stack matches these filters."}</p>
      ) : (
        <div className="table-wrap">
          <table className="stacks">
            <caption className="visually-hidden">Stacks ({shown.length})</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Template</th>
                <th scope="col">Namespace</th>
                <th scope="col">Cluster</th>
                <th scope="col">Phase</th>
                <th scope="col">Ready</th>
                <th scope="col">Drift</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <tr key={s.stack.id} data-stack={s.stack.name}>
                  <th scope="row">
                    <Link href={`/stacks/${s.stack.id}`}>{s.stack.name}</Link>
                  </th>
                  <td data-label="Template">
                    {s.stack.template} <span className="muted">{s.stack.templateVersion}</span>
                  </td>
                  <td data-label="Namespace">{s.stack.namespace}</td>
                  <td data-label="Cluster">{s.stack.cluster}</td>
                  <td data-label="Phase" className="phase-cell">
                    <PhaseBadge phase={shownPhase(s)} />
                  </td>
                  <td data-label="Ready" className="ready-cell">
                    {s.observed?.ready ?? "-"}
                  </td>
                  <td data-label="Drift">
                    {drifted.has(s.stack.id) ? (
                      <span
                        className="badge tone-warn drift-badge"
                        title="Drift was corrected in the last 15 minutes"
                      >
                        Drift
                      </span>
                    ) : (
                      <span className="muted">-</span>
                    )}
                  </td>
                  <td data-label="Age">
                    <time dateTime={s.stack.createdAt}>{formatAge(s.stack.createdAt, now)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
