/**
 * Ages as kubectl shows them: the largest unit and, under ten of it, the next
 * one (`45s`, `3m12s`, `2h5m`, `4d`). Pure: the caller passes the clock.
 */

/** The age of `since` (an ISO timestamp or epoch ms) at `now` (epoch ms); `-` when `since` is not a time. */
export function formatAge(since: string | number | null | undefined, now: number): string {
  if (since === null || since === undefined || since === "") return "-";
  const start = typeof since === "number" ? since : Date.parse(since);
  if (!Number.isFinite(start)) return "-";
  const s = Math.max(0, Math.floor((now - start) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 10) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 24) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 10) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365) return `${d}d`;
  return `${Math.floor(d / 365)}y${d % 365 === 0 ? "" : `${d % 365}d`}`;
}
