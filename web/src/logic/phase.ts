/**
 * How a phase looks: one tone per phase, shared by the stacks list, the stack
 * page and the component cards. Typed kinds name phases their own way, so
 * unknown names fall back to a tone guessed from the word, never to an error.
 */

/** The colours the UI gives a state; each has a CSS class `tone-<name>`. */
export const tones = ["ok", "progress", "warn", "error", "paused", "neutral"] as const;
export type Tone = (typeof tones)[number];

const byPhase: Readonly<Record<string, Tone>> = {
  ready: "ok",
  running: "ok",
  healthy: "ok",
  available: "ok",
  pending: "progress",
  installing: "progress",
  upgrading: "progress",
  progressing: "progress",
  rollingback: "warn",
  degraded: "warn",
  deleting: "warn",
  failed: "error",
  error: "error",
  paused: "paused",
  // A game server stopped on purpose: neither a failure nor a pause.
  stopped: "neutral",
};

/** The tone of a phase (or status summary); `neutral` when there is none or it is unknown. */
export function phaseTone(phase: string | null | undefined): Tone {
  if (!phase) return "neutral";
  const key = phase.toLowerCase().replace(/[^a-z]/g, "");
  return byPhase[key] ?? "neutral";
}

/** Whether a phase means components are being rolled out (the UI shows progress bars). */
export function isRollingOut(phase: string | null | undefined): boolean {
  const key = (phase ?? "").toLowerCase();
  return key === "installing" || key === "upgrading" || key === "pending" || key === "progressing";
}

/** Parses a "ready x/y" string such as `"2/3"`; null when it is not one. */
export function parseReady(ready: string | null | undefined): { ready: number; total: number } | null {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(ready ?? "");
  if (!m) return null;
  return { ready: Number(m[1]), total: Number(m[2]) };
}

/** The share of a progress bar, 0..100, from ready and total counts (100 when there is nothing to wait for). */
export function progressPercent(ready: number, total: number): number {
  if (total <= 0) return 100;
  return Math.max(0, Math.min(100, Math.round((ready / total) * 100)));
}
