import type { ReactElement } from "react";
import type { StreamState } from "../live.ts";

const text: Readonly<Record<StreamState, string>> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/** Whether the page's event stream is connected. */
export function LiveIndicator({ state }: { state: StreamState }): ReactElement {
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      {text[state]}
    </span>
  );
}
