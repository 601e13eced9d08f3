import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { WorkQueueMetrics } from "./work-queue.ts";

/**
 * The metrics of every controller in one registry, named as controller-runtime and client-go name
 * them so existing dashboards and alerts work: `controller_runtime_*` labelled `controller`, and
 * `workqueue_*` labelled `name`. Plus `stackwarden_reconcile_errors_by_class_total`.
 */
export interface ControllerMetrics {
  /** Reconciles by outcome: `success`, `error`, `requeue`, `requeue_after`. */
  readonly reconcileTotal: Counter<"controller" | "result">;
  /** Reconciles that threw, terminal ones included. */
  readonly reconcileErrors: Counter<"controller">;
  /** Reconciles that threw a TerminalError. */
  readonly terminalReconcileErrors: Counter<"controller">;
  /** Reconciles that threw, by error class (`transient`, `permanent`, `unknown`). */
  readonly reconcileErrorsByClass: Counter<"controller" | "class">;
  readonly reconcileTime: Histogram<"controller">;
  readonly maxConcurrentReconciles: Gauge<"controller">;
  readonly activeWorkers: Gauge<"controller">;
  readonly workQueueDepth: Gauge<"name">;
  readonly workQueueAdds: Counter<"name">;
  readonly workQueueQueueDuration: Histogram<"name">;
  readonly workQueueWorkDuration: Histogram<"name">;
  readonly workQueueRetries: Counter<"name">;
}

/** controller-runtime's buckets for `controller_runtime_reconcile_time_seconds`. */
const reconcileTimeBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
  1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's workqueue buckets: 10 ns to 1000 s, one per power of ten. */
const workQueueBuckets = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

const byRegistry = new WeakMap<Registry, ControllerMetrics>();

/**
 * The controller metrics registered on `registry`, created on first use. Idempotent: every call with
 * the same registry returns the same metrics, so many controllers can share one registry.
 */
export function controllerMetrics(registry: Registry): ControllerMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: ControllerMetrics = {
    reconcileTotal: new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"],
      registers,
    }),
    reconcileErrors: new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    }),
    terminalReconcileErrors: new Counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    }),
    reconcileErrorsByClass: new Counter({
      name: "stackwarden_reconcile_errors_by_class_total",
      help: "Total number of reconciliation errors per controller and error class",
      labelNames: ["controller", "class"],
      registers,
    }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: reconcileTimeBuckets,
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"],
      registers,
    }),
    activeWorkers: new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"],
      registers,
    }),
    workQueueDepth: new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames: ["name"],
      registers,
    }),
    workQueueAdds: new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames: ["name"],
      registers,
    }),
    workQueueQueueDuration: new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: ["name"],
      buckets: workQueueBuckets,
      registers,
    }),
    workQueueWorkDuration: new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes",
      labelNames: ["name"],
      buckets: workQueueBuckets,
      registers,
    }),
    workQueueRetries: new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames: ["name"],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/** The hooks that feed one queue's `workqueue_*` series, labelled `name`. */
export function workQueueMetrics(metrics: ControllerMetrics, name: string): WorkQueueMetrics {
  const labels = { name };
  metrics.workQueueDepth.set(labels, 0);
  metrics.workQueueAdds.inc(labels, 0);
  metrics.workQueueRetries.inc(labels, 0);
  return {
    depth: (n) => metrics.workQueueDepth.set(labels, n),
    added: () => metrics.workQueueAdds.inc(labels),
    queued: (seconds) => metrics.workQueueQueueDuration.observe(labels, seconds),
    worked: (seconds) => metrics.workQueueWorkDuration.observe(labels, seconds),
    retried: () => metrics.workQueueRetries.inc(labels),
  };
}
