import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { StackStatus } from "../api/stack.ts";
import type { Reconciler } from "../engine/result.ts";
import type { KubeObject } from "../api/object.ts";
import { engineStatusField } from "./kind-binding.ts";

/** A kind's own metrics, under the names its users already scrape. */
export interface KindMetrics {
  readonly transition: (object: KubeObject, from: string, to: string) => void;
  readonly error: (object: KubeObject, errorClass: string) => void;
  /** Wraps a reconciler so each reconcile is timed. */
  readonly timed: (reconciler: Reconciler<string>) => Reconciler<string>;
}

/**
 * Registers `<prefix>_state_transitions_total{namespace,name,from,to}`,
 * `<prefix>_reconciliation_duration_seconds{namespace,name}`,
 * `<prefix>_component_status{namespace,name,component}` (1 ready, 0 not; read
 * from the cached objects at scrape time) and `<prefix>_errors_total{namespace,name,error_type}`.
 */
export function kindMetrics(
  registry: Registry,
  prefix: string,
  objects: () => Iterable<KubeObject>,
): KindMetrics {
  const registers = [registry];
  const transitions = new Counter({
    name: `${prefix}_state_transitions_total`,
    help: "Phase transitions",
    labelNames: ["namespace", "name", "from", "to"] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${prefix}_reconciliation_duration_seconds`,
    help: "Time spent reconciling one object",
    labelNames: ["namespace", "name"] as const,
    registers,
  });
  const errors = new Counter({
    name: `${prefix}_errors_total`,
    help: "Failed reconciles by error class",
    labelNames: ["namespace", "name", "error_type"] as const,
    registers,
  });
  new Gauge({
    name: `${prefix}_component_status`,
    help: "Whether each component is ready (1) or not (0)",
    labelNames: ["namespace", "name", "component"] as const,
    registers,
    collect() {
      this.reset();
      for (const o of objects()) {
        const engine = (o as { status?: Record<string, unknown> }).status?.[engineStatusField] as
          StackStatus | undefined;
        for (const c of engine?.components ?? []) {
          this.set(
            { namespace: o.metadata.namespace ?? "", name: o.metadata.name, component: c.name },
            c.ready ? 1 : 0,
          );
        }
      }
    },
  });
  const labels = (o: KubeObject): { namespace: string; name: string } => ({
    namespace: o.metadata.namespace ?? "",
    name: o.metadata.name,
  });
  return {
    transition: (o, from, to) => transitions.inc({ ...labels(o), from, to }),
    error: (o, errorClass) => errors.inc({ ...labels(o), error_type: errorClass }),
    timed: (reconciler) => ({
      reconcile: async (key, signal) => {
        const [namespace = "", name = key] = key.includes("/") ? key.split("/") : ["", key];
        const end = duration.startTimer({ namespace, name });
        try {
          return await reconciler.reconcile(key, signal);
        } finally {
          end();
        }
      },
    }),
  };
}
