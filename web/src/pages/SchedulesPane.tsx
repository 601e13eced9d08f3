import { useCallback, useEffect, useState, type FormEvent, type ReactElement } from "react";
import { api, ApiError, type NewSchedule, type Schedule } from "../api.ts";

const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/**
 * The Schedules tab: the stack's cron schedules (restart, backup or a console
 * command, each in its own time zone) with delete, and a form to add one.
 * The server's 422 names the field that is wrong; it is shown as it says.
 */
export function SchedulesPane({ stackId }: { stackId: string }): ReactElement {
  const [items, setItems] = useState<Schedule[] | null>(null);
  const [cron, setCron] = useState("0 4 * * *");
  const [timeZone, setTimeZone] = useState(browserZone);
  const [action, setAction] = useState<NewSchedule["action"]>("restart");
  const [command, setCommand] = useState("");
  const [missed, setMissed] = useState<NonNullable<NewSchedule["missed"]>>("skip");
  const [error, setError] = useState("");
  const reload = useCallback(async (): Promise<void> => {
    setItems(await api.schedules(stackId).catch(() => []));
  }, [stackId]);
  useEffect(() => void reload(), [reload]);
  const add = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError("");
    try {
      await api.createSchedule(stackId, {
        cron,
        timeZone,
        action,
        missed,
        ...(action === "command" ? { command } : {}),
      });
      await reload();
    } catch (err: unknown) {
      setError(
        err instanceof ApiError && err.errors.length > 0
          ? err.errors.map((f) => `${f.path}: ${f.message}`).join("; ")
          : err instanceof Error
            ? err.message
            : String(err),
      );
    }
  };
  return (
    <section aria-labelledby="schedules-title" className="schedules">
      <h2 id="schedules-title">Schedules</h2>
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No schedules.</p>
      ) : (
        <ul data-testid="schedules">
          {items.map((s) => (
            <li key={s.id} data-testid="schedule-row">
              <code>{s.cron}</code> ({s.timeZone}): {s.action}
              {s.command ? ` "${s.command}"` : ""}; missed runs: {s.missed}{" "}
              <button
                type="button"
                onClick={() => void api.deleteSchedule(stackId, s.id).then(reload, reload)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void add(e)} className="schedule-form">
        <label htmlFor="schedule-cron">Schedule cron</label>{" "}
        <input
          id="schedule-cron"
          value={cron}
          onChange={(e) => setCron(e.target.value)}
          placeholder="0 4 * * *"
        />{" "}
        <label htmlFor="schedule-zone">Schedule time zone</label>{" "}
        <input id="schedule-zone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />{" "}
        <label htmlFor="schedule-action">Schedule action</label>{" "}
        <select
          id="schedule-action"
          value={action}
          onChange={(e) => setAction(e.target.value as NewSchedule["action"])}
        >
          <option value="restart">restart</option>
          <option value="backup">backup</option>
          <option value="command">command</option>
        </select>{" "}
        {action === "command" ? (
          <>
            <label htmlFor="schedule-command">Scheduled command</label>{" "}
            <input
              id="schedule-command"
              value={command}
              maxLength={1024}
              onChange={(e) => setCommand(e.target.value)}
              placeholder="say restarting soon"
            />
          </>
        ) : null}{" "}
        <label htmlFor="schedule-missed">Missed runs</label>{" "}
        <select
          id="schedule-missed"
          value={missed}
          onChange={(e) => setMissed(e.target.value as "skip" | "run-once")}
        >
          <option value="skip">skip</option>
          <option value="run-once">run once at start</option>
        </select>{" "}
        <button type="submit">Add schedule</button>
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
