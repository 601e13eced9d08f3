import type { ReactElement } from "react";
import { phaseTone } from "../logic/phase.ts";

/** A phase with its colour; the text says it too, so colour is never the only signal. */
export function PhaseBadge({
  phase,
  label,
}: {
  phase: string | null | undefined;
  label?: string;
}): ReactElement {
  const text = phase ?? "Unknown";
  return (
    <span className={`badge tone-${phaseTone(phase)}`} data-phase={text}>
      {label ? <span className="visually-hidden">{label}: </span> : null}
      {text}
    </span>
  );
}
