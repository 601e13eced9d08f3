/**
 * Kubernetes `MicroTime`: RFC 3339 in UTC with exactly six fractional digits,
 * e.g. `2026-11-21T23:50:25.123456Z`, as Leases and events.k8s.io Events carry.
 */

/**
 * The MicroTime of `ms` milliseconds since the epoch, rounded to the microsecond:
 * sub-millisecond fractions fill the last three digits, so a whole millisecond
 * ends in `000`.
 */
export function toMicroTime(ms: number): string {
  const totalMicros = Math.round(ms * 1000);
  const whole = Math.floor(totalMicros / 1000);
  const micros = totalMicros - whole * 1000;
  return `${new Date(whole).toISOString().slice(0, -1)}${String(micros).padStart(3, "0")}Z`;
}

const rfc3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i;

/**
 * Milliseconds since the epoch of an RFC 3339 time with any number of
 * fractional digits (MicroTime, or a plain `Time` without any), keeping
 * microseconds as a fraction; undefined when `text` is not such a time.
 */
export function parseMicroTime(text: string): number | undefined {
  const m = rfc3339.exec(text);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = m[2] === undefined ? 0 : Number(`0.${m[2]}`) * 1000;
  return seconds + fraction;
}
