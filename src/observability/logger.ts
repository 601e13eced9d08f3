import { hostname } from "node:os";
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/**
 * The fields that name the object a log line is about, bound once per reconcile with
 * `logger.child({ kind, namespace, name, generation })`. They are the names controller-runtime's
 * logs use, so existing log queries work.
 */
export interface ResourceLogBindings {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly generation?: number | undefined;
}

/** How {@link createLogger} logs. */
export interface LoggerOptions {
  /** `trace`, `debug`, `info` (the default), `warn`, `error`, `fatal` or `silent`; nothing else. */
  readonly level?: string | undefined;
  /**
   * Which part of Stackwarden logs, written as the `logger` field (`name` is the object's name).
   * A subsystem's child logger names itself with `component` (`logger.child({ component: "http" })`),
   * never with `logger` again: pino writes a child's bindings after its parent's, so a second
   * `logger` would be a second key on the same line.
   */
  readonly name?: string | undefined;
  /** Where lines go; standard output by default. */
  readonly destination?: DestinationStream | NodeJS.WritableStream | undefined;
  /**
   * Applied to every string value of every line before it is written: the message, fields, child
   * bindings and errors (message and stack), however deeply nested. Keys are left as they are.
   */
  readonly redact?: ((text: string) => string) | undefined;
}

/**
 * A JSON logger: one object per line with `level` (a name), `time` (ISO 8601), `pid`, `hostname`
 * (the pod's name in Kubernetes), `logger`, `component` (when a subsystem's child set it), `msg`, the child bindings (see
 * {@link ResourceLogBindings}) and, while a recording OpenTelemetry span is active, its `trace_id`
 * and `span_id`, so a reconcile's lines lead to its trace. Errors under any key are written with
 * type, message and stack. With `redact`, no string reaches the destination without passing through
 * it (see {@link LoggerOptions.redact}). Throws for an unknown level.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redact = options.redact;
  return pino(
    {
      level: options.level ?? "info",
      base: {
        pid: process.pid,
        hostname: hostname(),
        ...(options.name !== undefined ? { logger: options.name } : {}),
      },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: levelLabel, log: serializeErrorFields },
      mixin: traceFields,
      ...(redact !== undefined ? { hooks: { streamWrite: (line: string) => redactLine(line, redact) } } : {}),
    },
    options.destination as DestinationStream | undefined,
  );
}

function levelLabel(label: string): { level: string } {
  return { level: label };
}

/**
 * Errors under any top-level key written as pino writes `err` (type, message, stack, causes), not as
 * the `{}` JSON.stringify makes of them. `err` itself is left to pino's serializer.
 */
function serializeErrorFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out = fields;
  for (const [key, value] of Object.entries(fields)) {
    if (key === "err" || !(value instanceof Error)) continue;
    if (out === fields) out = { ...fields };
    out[key] = stdSerializers.err(value);
  }
  return out;
}

/** The active span's ids, when there is a real one. */
function traceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The finished line with `redact` applied to every string value in it: the message, fields, child
 * bindings and serialized errors alike, however deeply nested. Working on the finished line is
 * what makes the guarantee total; pino has no earlier hook that sees child bindings.
 */
function redactLine(line: string, redact: (text: string) => string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return redact(line);
  }
  return JSON.stringify(redactStrings(parsed, redact)) + "\n";
}

function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactStrings(item, redact);
  return out;
}
