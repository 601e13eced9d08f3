/**
 * React hooks for live data: an event stream (SSE through EventSource, which
 * reconnects by itself and resumes with Last-Event-ID), a clock for ages, and
 * a navigation hook for the few routes the UI has.
 */
import { useEffect, useRef, useState } from "react";
import type { StackEvent } from "./api.ts";

/** Stream state for the "live" indicator. */
export type StreamState = "connecting" | "live" | "reconnecting";

/**
 * Calls `onEvent` for each event on the stream at `url` (null: no stream).
 * The callback may change between renders without reconnecting.
 */
export function useEventStream(url: string | null, onEvent: (e: StackEvent) => void): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const callback = useRef(onEvent);
  callback.current = onEvent;
  useEffect(() => {
    if (!url) return undefined;
    setState("connecting");
    const source = new EventSource(url);
    const receive = (m: MessageEvent<string>): void => {
      try {
        callback.current(JSON.parse(m.data) as StackEvent);
      } catch {
        // a keep-alive or something this UI does not know: nothing to show
      }
    };
    source.onopen = () => setState("live");
    source.onerror = () => setState("reconnecting");
    source.onmessage = receive;
    // Servers may name their events; the UI treats them alike.
    source.addEventListener("event", receive);
    source.addEventListener("stack_event", receive);
    return () => source.close();
  }, [url]);
  return state;
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
