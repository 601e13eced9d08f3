import { Counter, Gauge, type Registry } from "prom-client";
import type { Stack } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";

/** The operator's own Stack metrics. */
export interface StackMetrics {
  readonly transitions: Counter<"kind" | "from" | "to">;
  readonly drift: Counter<"resource_kind" | "change">;
}

/**
 * Registers `stackwarden_phase_transitions_total{kind,from,to}`,
 * `stackwarden_drift_detected_total{resource_kind,change}` (counted by the leader's reconcile when
 * it finds a change, once per change) and `stackwarden_stack_components_ready{kind,namespace,name}`
 * (read from the cached stacks at scrape time, as their engine view).
 */
export function stackMetrics(
  registry: Registry,
  stacks: () => ReadonlyArray<{ object: KubeObject; view: (o: KubeObject) => Stack }>,
): StackMetrics {
  new Gauge({
    name: "stackwarden_stack_components_ready",
    help: "Ready components of each stack",
    labelNames: ["kind", "namespace", "name"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { object, view } of stacks()) {
        const s = view(object);
        this.set(
          { kind: s.kind ?? "Stack", namespace: s.metadata.namespace ?? "", name: s.metadata.name },
          s.status?.readyComponents ?? 0,
        );
      }
    },
  });
  return {
    transitions: new Counter({
      name: "stackwarden_phase_transitions_total",
      help: "Stack phase transitions",
      labelNames: ["kind", "from", "to"] as const,
      registers: [registry],
    }),
    drift: new Counter({
      name: "stackwarden_drift_detected_total",
      help: "Out-of-band changes to managed objects, by kind of object and of change",
      labelNames: ["resource_kind", "change"] as const,
      registers: [registry],
    }),
  };
}
