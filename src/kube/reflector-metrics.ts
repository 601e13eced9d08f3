import { Counter, Gauge, type Registry } from "prom-client";

/**
 * Reflector health, labelled by `resource` (`deployments.apps`): lists and
 * relists after 410, reconnects by reason, watchdog restarts, errors by
 * class, events, cached objects, and the age of the last event or bookmark.
 */
export interface ReflectorMetrics {
  readonly lists: Counter<"resource">;
  readonly relists: Counter<"resource">;
  readonly reconnects: Counter<"resource" | "reason">;
  readonly watchdogRestarts: Counter<"resource">;
  readonly errors: Counter<"resource" | "class">;
  readonly events: Counter<"resource" | "type">;
  readonly objects: Gauge<"resource">;
  readonly lastEventAge: Gauge<"resource">;
}

const byRegistry = new WeakMap<Registry, ReflectorMetrics>();

/**
 * The reflector metrics on `registry`, created once per registry.
 * `ages` is read at scrape time to fill `stackwarden_reflector_last_event_age_seconds`.
 */
export function reflectorMetrics(
  registry: Registry,
  ages?: () => Iterable<[resource: string, ageMs: number]>,
): ReflectorMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    new Counter({ name, help, labelNames, registers });
  const metrics: ReflectorMetrics = {
    lists: counter("stackwarden_reflector_lists_total", "Full lists, the first one included", ["resource"]),
    relists: counter(
      "stackwarden_reflector_relists_total",
      "Lists forced by an expired resourceVersion (410)",
      ["resource"],
    ),
    reconnects: counter("stackwarden_reflector_reconnects_total", "Watches resumed after they ended", [
      "resource",
      "reason",
    ]),
    watchdogRestarts: counter(
      "stackwarden_reflector_watchdog_restarts_total",
      "Watches cut because no event or bookmark arrived in time",
      ["resource"],
    ),
    errors: counter("stackwarden_reflector_errors_total", "Failed lists and watches by error class", [
      "resource",
      "class",
    ]),
    events: counter("stackwarden_reflector_events_total", "Watch events applied to the cache", [
      "resource",
      "type",
    ]),
    objects: new Gauge({
      name: "stackwarden_reflector_objects",
      help: "Objects in the cache",
      labelNames: ["resource"],
      registers,
    }),
    lastEventAge: new Gauge({
      name: "stackwarden_reflector_last_event_age_seconds",
      help: "Seconds since the last watch event or bookmark",
      labelNames: ["resource"],
      registers,
      collect(this: Gauge<"resource">) {
        for (const [resource, ms] of ages?.() ?? []) this.set({ resource }, ms / 1000);
      },
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
