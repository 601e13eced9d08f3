/**
 * A game server's followed log as React state: reads the SSE log stream with
 * fetch (the token in the Authorization header), keeps the last `max` lines,
 * reconnects with backoff, and starts again from the chosen tail.
 */
import { useEffect, useState } from "react";
import { session } from "./api.ts";
import { reconnectDelay, SseParser } from "./logic/sse.ts";

/** One shown line: its pod, and a running number for React keys. */
export interface LogLine {
  readonly n: number;
  readonly pod: string;
  readonly text: string;
}

/** The log as shown: lines, the pod being read, and what the stream says (waiting for a pod). */
export interface LogState {
  readonly lines: readonly LogLine[];
  readonly pod: string;
  readonly status: "connecting" | "live" | "waiting" | "reconnecting";
}

/** Follows the log at `path` (null: not at all) while `paused` is false, keeping the last `max` lines. */
export function useLogStream(path: string | null, paused: boolean, max = 2000): LogState {
  const [state, setState] = useState<LogState>({ lines: [], pod: "", status: "connecting" });
  useEffect(() => {
    if (!path || paused) return undefined;
    const stop = new AbortController();
    let n = 0;
    setState({ lines: [], pod: "", status: "connecting" });
    void (async () => {
      for (let attempt = 0; !stop.signal.aborted; attempt++) {
        try {
          const headers: Record<string, string> = { accept: "text/event-stream" };
          const token = session.token();
          if (token) headers["authorization"] = `Bearer ${token}`;
          const res = await fetch(`/api/v1${path}`, { headers, signal: stop.signal, cache: "no-store" });
          if (!res.ok || !res.body) throw new Error(`log stream answered ${res.status}`);
          setState((s) => ({ ...s, status: "live" }));
          const parser = new SseParser();
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const frames = parser.push(value);
            if (frames.length === 0) continue;
            setState((s) => {
              let { lines, pod, status } = s;
              const added: LogLine[] = [];
              for (const f of frames) {
                const data = JSON.parse(f.data) as { pod?: string; text?: string };
                if (f.event === "line") added.push({ n: n++, pod: data.pod ?? "", text: data.text ?? "" });
                else if (f.event === "pod") [pod, status] = [data.pod ?? "", "live"];
                else if (f.event === "waiting") status = "waiting";
              }
              if (added.length > 0) lines = [...lines, ...added].slice(-max);
              return { lines, pod, status };
            });
          }
        } catch {
          if (stop.signal.aborted) return;
        }
        setState((s) => ({ ...s, status: "reconnecting" }));
        await new Promise((r) => setTimeout(r, reconnectDelay(attempt)));
      }
    })();
    return () => stop.abort();
  }, [path, paused, max]);
  return state;
}
