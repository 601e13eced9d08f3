import { useMemo, useState, type FormEvent, type KeyboardEvent, type ReactElement } from "react";
import { api, type Connection, type StackDetail } from "../api.ts";
import { parsePlayerList, type PlayerList } from "../logic/players.ts";
import { useLogStream } from "../logs.ts";

/** Where players connect: the first address with a copy button, the others listed, and readiness. */
export function ConnectionInfo({
  detail,
  players,
}: {
  detail: StackDetail;
  players: PlayerList | null;
}): ReactElement {
  const connection: Connection | null | undefined = detail.connection;
  const [copied, setCopied] = useState(false);
  if (!connection) return <p className="muted">No address yet.</p>;
  const [first, ...rest] = connection.addresses;
  const text = first ? `${first.host}:${first.port}` : "";
  const ready = detail.observed?.phase === "Ready" && detail.stack.power !== "Stopped";
  return (
    <div className="connection" data-testid="connection">
      {first ? (
        <p>
          <code data-testid="address">{text}</code>{" "}
          <span className="muted">
            ({connection.kind}, {first.protocol})
          </span>{" "}
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard.writeText(text).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy address"}
          </button>
        </p>
      ) : null}
      {rest.length > 0 ? (
        <p className="muted">Also: {rest.map((a) => `${a.host}:${a.port}`).join(", ")}</p>
      ) : null}
      {connection.hint ? <p className="muted">{connection.hint}</p> : null}
      <p data-testid="server-readiness">
        {detail.stack.power === "Stopped"
          ? "The server is stopped."
          : ready
            ? `The server is ready${players ? `: ${players.online} of ${players.max} players online` : ""}.`
            : "The server is not ready yet."}
      </p>
    </div>
  );
}

/** Stop, start and restart (with an optional broadcast). */
export function PowerButtons({
  detail,
  onDone,
}: {
  detail: StackDetail;
  onDone: (message: string) => void;
}): ReactElement {
  const [busy, setBusy] = useState(false);
  const [broadcast, setBroadcast] = useState("");
  const stopped = detail.stack.power === "Stopped";
  const run = async (action: "stop" | "start" | "restart"): Promise<void> => {
    setBusy(true);
    try {
      await api.power(
        detail.stack.id,
        action,
        action === "restart" && broadcast !== "" ? broadcast : undefined,
      );
      onDone(
        action === "stop"
          ? "Stopping: the volumes are kept."
          : action === "start"
            ? "Starting."
            : "Restarting.",
      );
    } catch (e: unknown) {
      onDone(`Could not ${action}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="power">
      {stopped ? (
        <button type="button" disabled={busy} onClick={() => void run("start")}>
          Start server
        </button>
      ) : (
        <>
          <button type="button" disabled={busy} onClick={() => void run("stop")}>
            Stop server
          </button>
          <label>
            Broadcast before restart{" "}
            <input
              value={broadcast}
              maxLength={200}
              onChange={(e) => setBroadcast(e.target.value)}
              placeholder="Restarting in 60 s"
            />
          </label>
          <button type="button" disabled={busy} onClick={() => void run("restart")}>
            Restart server
          </button>
        </>
      )}
    </div>
  );
}

/** The followed log: pause, tail length, search. */
export function LogsPane({ stackId }: { stackId: string }): ReactElement {
  const [paused, setPaused] = useState(false);
  const [tail, setTail] = useState(200);
  const [search, setSearch] = useState("");
  const log = useLogStream(api.logsPath(stackId, tail), paused);
  const shown = useMemo(
    () =>
      search === ""
        ? log.lines
        : log.lines.filter((l) => l.text.toLowerCase().includes(search.toLowerCase())),
    [log.lines, search],
  );
  return (
    <section aria-labelledby="logs-title" className="logs">
      <h2 id="logs-title">Logs</h2>
      <div className="logs-tools">
        <button type="button" onClick={() => setPaused((p) => !p)}>
          {paused ? "Follow" : "Pause"}
        </button>
        <label>
          Tail{" "}
          <select value={tail} onChange={(e) => setTail(Number(e.target.value))}>
            {[50, 200, 1000, 5000].map((n) => (
              <option key={n} value={n}>
                {n} lines
              </option>
            ))}
          </select>
        </label>
        <label>
          Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <span className="muted" data-testid="log-status">
          {paused ? "paused" : log.status === "waiting" ? "waiting for a pod" : log.status}
          {log.pod ? ` · ${log.pod}` : ""}
        </span>
      </div>
      <pre className="log-lines" data-testid="log-lines" aria-live="off">
        {shown.map((l) => `${l.text}\n`).join("")}
      </pre>
    </section>
  );
}

/** The console: a command line with history (↑/↓), the answers, and the player list from `list`. */
export function ConsolePane({
  stackId,
  onPlayers,
  players,
}: {
  stackId: string;
  onPlayers: (p: PlayerList) => void;
  players: PlayerList | null;
}): ReactElement {
  const [command, setCommand] = useState("");
  const [history, setHistory] = useState<string[]>([]);
  const [at, setAt] = useState(-1);
  const [answers, setAnswers] = useState<Array<{ n: number; command: string; output: string }>>([]);
  const [busy, setBusy] = useState(false);
  const send = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const text = command.trim();
    if (text === "") return;
    setBusy(true);
    try {
      const answer = await api.console(stackId, text);
      const output = answer.output ?? "(sent; the reply is in the log)";
      const list = answer.output ? parsePlayerList(answer.output) : null;
      if (list) onPlayers(list);
      setAnswers((a) => [...a, { n: a.length, command: text, output }].slice(-100));
      setHistory((h) => [...h.filter((x) => x !== text), text].slice(-50));
      setCommand("");
      setAt(-1);
    } catch (err: unknown) {
      setAnswers((a) => [
        ...a,
        { n: a.length, command: text, output: `error: ${err instanceof Error ? err.message : String(err)}` },
      ]);
    } finally {
      setBusy(false);
    }
  };
  const recall = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
    e.preventDefault();
    const next =
      e.key === "ArrowUp" ? (at === -1 ? history.length - 1 : Math.max(0, at - 1)) : at === -1 ? -1 : at + 1;
    if (next === -1 || next >= history.length) {
      setAt(-1);
      setCommand("");
    } else {
      setAt(next);
      setCommand(history[next] ?? "");
    }
  };
  return (
    <section aria-labelledby="console-title" className="console">
      <h2 id="console-title">Console</h2>
      <ol className="console-answers" data-testid="console-answers">
        {answers.map((a) => (
          <li key={a.n}>
            <code>&gt; {a.command}</code>
            <pre>{a.output}</pre>
          </li>
        ))}
      </ol>
      <form onSubmit={(e) => void send(e)}>
        <label>
          Command{" "}
          <input
            value={command}
            maxLength={1024}
            onChange={(e) => setCommand(e.target.value)}
            onKeyDown={recall}
            placeholder="say hello"
            disabled={busy}
          />
        </label>
        <button type="submit" disabled={busy}>
          Send
        </button>
        <button type="button" disabled={busy} onClick={() => setCommand("list")}>
          Players
        </button>
      </form>
      <div aria-labelledby="players-title">
        <h3 id="players-title">Players</h3>
        {players ? (
          <ul data-testid="players">
            {players.names.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        ) : (
          <p className="muted">Send list to see who is online.</p>
        )}
      </div>
    </section>
  );
}
