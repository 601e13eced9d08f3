/**
 * React hooks for live data: an event stream (Server-Sent Events read with
 * fetch, resuming with Last-Event-ID), a clock for ages, and a navigation
 * hook for the few routes the UI has.
 */
import { useEffect, useRef, useState } from "react";
import { session, type StackEvent } from "./api.ts";
import { reconnectDelay, SseParser } from "./logic/sse.ts";

/** Stream state for the "live" indicator. */
export type StreamState = "connecting" | "live" | "reconnecting";

/**
 * Calls `onEvent` for each event on the stream at `path` (an API path such as
 * `/events/stream`; null: no stream). Reads Server-Sent Events with fetch, so
 * the token goes in the Authorization header and events of every name arrive
 * here; reconnects with backoff and resumes with Last-Event-ID, so nothing is
 * lost or repeated across a dropped connection. The callback may change
 * between renders without reconnecting.
 */
export function useEventStream(path: string | null, onEvent: (e: StackEvent) => void): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const callback = useRef(onEvent);
  callback.current = onEvent;
  useEffect(() => {
    if (!path) return undefined;
    const stop = new AbortController();
    void follow(path, stop.signal, setState, (e) => callback.current(e));
    return () => stop.abort();
  }, [path]);
  return state;
}

async function follow(
  path: string,
  signal: AbortSignal,
  setState: (s: StreamState) => void,
  onEvent: (e: StackEvent) => void,
): Promise<void> {
  let lastId = "";
  for (let attempt = 0; !signal.aborted;) {
    try {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      const token = session.token();
      if (token) headers["authorization"] = `Bearer ${token}`;
      if (lastId) headers["last-event-id"] = lastId;
      const res = await fetch(`/api/v1${path}`, { headers, signal, cache: "no-store" });
      if (res.status === 401) window.dispatchEvent(new CustomEvent("stackwarden:unauthorized"));
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      setState("live");
      attempt = 0;
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const frame of parser.push(value)) {
          if (frame.id) lastId = frame.id;
          try {
            onEvent(JSON.parse(frame.data) as StackEvent);
          } catch {
            // not an event this UI knows how to show
          }
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    setState("reconnecting");
    await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt++)));
  }
}

/** The current time, updated every `ms` (for ages that keep counting). */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** The current path, following pushState navigation and the back button. */
export function usePath(): string {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = (): void => setPath(window.location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener("stackwarden:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("stackwarden:navigate", update);
    };
  }, []);
  return path;
}

/** Goes to `path` without reloading the page. */
export function navigate(path: string): void {
  if (window.location.pathname + window.location.search === path) return;
  window.history.pushState(null, "", path);
  window.dispatchEvent(new Event("stackwarden:navigate"));
}
