import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from "react";
import { api, ApiError, canWrite, type Role, type StackDetail, type StackEvent } from "../api.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { PhaseBadge } from "../components/PhaseBadge.tsx";
import { Timeline } from "../components/Timeline.tsx";
import { formatAge } from "../logic/age.ts";
import { mergeEvents } from "../logic/event-kind.ts";
import { useEventStream, useNow } from "../live.ts";
import { navigate } from "../live.ts";
import { Components, Conditions, Resources } from "./StackStatus.tsx";
import { ParamsEditor } from "./ParamsEditor.tsx";
import { LiveIndicator } from "./LiveIndicator.tsx";
import { BackupsPane } from "./BackupsPane.tsx";
import { ConnectionInfo, ConsolePane, LogsPane, PowerButtons } from "./GamePanel.tsx";
import { SchedulesPane } from "./SchedulesPane.tsx";
import type { PlayerList } from "../logic/players.ts";
import { shownPhase } from "./StacksPage.tsx";

type Action = "reconcile" | "pause" | "resume" | "delete";

/** One stack: status, components, managed objects, live events, params and actions. */
export function StackPage({ id, role }: { id: string; role: Role }): ReactElement {
  const [detail, setDetail] = useState<StackDetail | null>(null);
  const [events, setEvents] = useState<StackEvent[]>([]);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [busy, setBusy] = useState<Action | null>(null);
  const [players, setPlayers] = useState<PlayerList | null>(null);
  const now = useNow();
  const writable = canWrite(role);

  // Only the newest answer counts: an older fetch finishing late must not show a stale stack.
  const asked = useRef(0);
  const reload = useCallback(async (): Promise<void> => {
    const n = ++asked.current;
    try {
      const d = await api.stack(id);
      if (n !== asked.current) return;
      setDetail(d);
      setError("");
    } catch (e: unknown) {
      if (n !== asked.current) return;
      setError(e instanceof ApiError && e.status === 404 ? "This stack no longer exists." : String(e));
    }
  }, [id]);
  useEffect(() => {
    void reload();
    api.events(id).then(
      (list) => setEvents((cur) => mergeEvents(cur, list, 300)),
      () => undefined,
    );
  }, [id, reload]);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  const stream = useEventStream(api.streamPath(id), (e) => {
    setEvents((cur) => mergeEvents(cur, [e], 300));
    clearTimeout(pending.current);
    pending.current = setTimeout(() => void reload(), 200);
  });
  // Read again once the stream is live: it starts where the server stood when it answered.
  useEffect(() => {
    if (stream === "live") void reload();
  }, [stream, reload]);

  const run = async (action: Action): Promise<void> => {
    setConfirming(null);
    setBusy(action);
    setNotice("");
    try {
      if (action === "delete") {
        await api.deleteStack(id);
        setNotice("Deletion requested: the stack's objects are being removed; its data volumes are kept.");
      } else {
        await api.action(id, action);
        setNotice(
          action === "reconcile"
            ? "Reconcile requested."
            : action === "pause"
              ? "Paused: Stackwarden leaves this stack's objects alone until you resume."
              : "Resumed.",
        );
      }
      await reload();
    } catch (e: unknown) {
      setNotice(`Could not ${action}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };

  const phase = detail ? shownPhase(detail) : null;
  const paused = detail?.stack.desiredState === "Paused";
  const deleting = detail?.stack.desiredState === "Deleted";
  const current = useMemo(() => detail?.resources.filter((r) => r.deletedAt === null) ?? [], [detail]);
  const children = current.filter((r) => r.kind !== "Stack");

  if (error && !detail) {
    return (
      <main id="main" tabIndex={-1}>
        <p className="banner error" role="alert">
          {error}
        </p>
        <button type="button" onClick={() => navigate("/")}>
          Back to stacks
        </button>
      </main>
    );
  }
  if (!detail)
    return (
      <main id="main" tabIndex={-1} className="muted">
        Loading stack…
      </main>
    );
  const { stack, observed } = detail;
  return (
    <main id="main" tabIndex={-1} className="stack-page">
      <div className="page-head">
        <h1>{stack.name}</h1>
        <PhaseBadge phase={phase} label="Phase" />
        {paused ? <span className="badge tone-paused">Paused by owner</span> : null}
        <LiveIndicator state={stream} />
      </div>
      <dl className="facts">
        <div>
          <dt>Template</dt>
          <dd>
            {stack.template} {stack.templateVersion}
          </dd>
        </div>
        <div>
          <dt>Namespace</dt>
          <dd>{stack.namespace}</dd>
        </div>
        <div>
          <dt>Cluster</dt>
          <dd>{stack.cluster}</dd>
        </div>
        <div>
          <dt>Ready</dt>
          <dd data-testid="ready">{observed?.ready ?? "-"}</dd>
        </div>
        <div>
          <dt>Generation</dt>
          <dd>
            {stack.generation} desired, {stack.lastAppliedGeneration} applied
          </dd>
        </div>
        <div>
          <dt>Age</dt>
          <dd>
            <time dateTime={stack.createdAt}>{formatAge(stack.createdAt, now)}</time> (by {stack.createdBy})
          </dd>
        </div>
      </dl>
      {observed?.message ? <p className="status-message">{observed.message}</p> : null}
      {error ? (
        <p className="banner error" role="alert">
          {error}
        </p>
      ) : null}

      {writable ? (
        <section aria-labelledby="actions-title" className="actions-bar">
          <h2 id="actions-title" className="visually-hidden">
            Actions
          </h2>
          <button type="button" disabled={busy !== null || deleting} onClick={() => void run("reconcile")}>
            {busy === "reconcile" ? "Reconciling…" : "Reconcile now"}
          </button>
          {paused ? (
            <button type="button" disabled={busy !== null || deleting} onClick={() => void run("resume")}>
              {busy === "resume" ? "Resuming…" : "Resume"}
            </button>
          ) : (
            <button type="button" disabled={busy !== null || deleting} onClick={() => setConfirming("pause")}>
              {busy === "pause" ? "Pausing…" : "Pause"}
            </button>
          )}
          <button
            type="button"
            className="danger"
            disabled={busy !== null || deleting}
            onClick={() => setConfirming("delete")}
          >
            {deleting ? "Deleting…" : "Delete"}
          </button>
          <p className="notice" role="status" aria-live="polite">
            {notice}
          </p>
        </section>
      ) : (
        <p className="muted">You are signed in as a viewer: you can look but not change.</p>
      )}

      {detail.connection ? (
        <section aria-labelledby="game-title" className="game">
          <h2 id="game-title">Server</h2>
          <ConnectionInfo detail={detail} players={players} />
          {writable && !deleting ? (
            <PowerButtons
              detail={detail}
              onDone={(message) => {
                setNotice(message);
                void reload();
              }}
            />
          ) : null}
          <LogsPane stackId={stack.id} />
          {writable && !deleting ? (
            <>
              <ConsolePane stackId={stack.id} players={players} onPlayers={setPlayers} />
              <BackupsPane detail={detail} onNotice={setNotice} />
              <SchedulesPane stackId={stack.id} />
            </>
          ) : null}
        </section>
      ) : null}

      <div className="stack-grid">
        <div className="stack-main">
          <section aria-labelledby="components-title">
            <h2 id="components-title">Components</h2>
            <Components observed={observed} resources={current} phase={phase} />
          </section>
          <section aria-labelledby="conditions-title">
            <h2 id="conditions-title">Conditions</h2>
            <Conditions conditions={observed?.conditions ?? []} now={now} />
          </section>
          <section aria-labelledby="resources-title">
            <h2 id="resources-title">Managed objects</h2>
            <Resources resources={detail.resources} now={now} />
          </section>
          <section aria-labelledby="params-title">
            <h2 id="params-title">Parameters</h2>
            <ParamsEditor detail={detail} writable={writable && !deleting} onSaved={() => void reload()} />
          </section>
        </div>
        <section aria-labelledby="events-title" className="stack-events">
          <h2 id="events-title">Events</h2>
          <Timeline events={events} now={now} empty="No events yet." />
        </section>
      </div>

      <ConfirmDialog
        open={confirming === "delete"}
        title={`Delete ${stack.name}?`}
        confirmLabel="Delete stack"
        danger
        onCancel={() => setConfirming(null)}
        onConfirm={() => void run("delete")}
      >
        <p>
          Stackwarden removes the stack&apos;s Kubernetes objects, dependants first:{" "}
          {children.length > 0
            ? children.map((r) => `${r.kind} ${r.name}`).join(", ")
            : "everything it manages"}
          .
        </p>
        <p>
          <strong>Data volumes are kept</strong> (PersistentVolumeClaims are retained), so the data survives;
          delete them with kubectl when you no longer need it.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === "pause"}
        title={`Pause ${stack.name}?`}
        confirmLabel="Pause"
        onCancel={() => setConfirming(null)}
        onConfirm={() => void run("pause")}
      >
        <p>
          While paused, Stackwarden does not apply changes or restore drift for this stack. Running objects
          keep running.
        </p>
      </ConfirmDialog>
    </main>
  );
}
