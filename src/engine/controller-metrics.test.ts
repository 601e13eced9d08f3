import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { controllerMetrics, workQueueMetrics } from "./controller-metrics.ts";

describe("controllerMetrics", () => {
  it("registers once per registry and returns the same metrics after", () => {
    const registry = new Registry();
    assert.equal(controllerMetrics(registry), controllerMetrics(registry));
  });

  it("keeps registries apart", async () => {
    const [a, b] = [new Registry(), new Registry()];
    controllerMetrics(a).reconcileErrors.inc({ controller: "x" });
    controllerMetrics(b);
    assert.match(await a.metrics(), /controller_runtime_reconcile_errors_total\{controller="x"\} 1/);
    assert.doesNotMatch(await b.metrics(), /controller="x"/);
  });

  const names = [
    "controller_runtime_reconcile_total",
    "controller_runtime_reconcile_errors_total",
    "controller_runtime_terminal_reconcile_errors_total",
    "controller_runtime_reconcile_time_seconds",
    "controller_runtime_max_concurrent_reconciles",
    "controller_runtime_active_workers",
    "workqueue_depth",
    "workqueue_adds_total",
    "workqueue_queue_duration_seconds",
    "workqueue_work_duration_seconds",
    "workqueue_retries_total",
  ];
  for (const name of names) {
    it(`registers ${name} under controller-runtime's name`, () => {
      const registry = new Registry();
      controllerMetrics(registry);
      assert.ok(registry.getSingleMetric(name));
    });
  }
});

describe("workQueueMetrics", () => {
  it("feeds the workqueue series labelled with the queue's name, starting at zero", async () => {
    const registry = new Registry();
    const hooks = workQueueMetrics(controllerMetrics(registry), "stack");
    assert.match(await registry.metrics(), /workqueue_retries_total\{name="stack"\} 0/);
    hooks.depth(3);
    hooks.added();
    hooks.retried();
    hooks.queued(0.5);
    hooks.worked(2);
    const text = await registry.metrics();
    for (const line of [
      'workqueue_depth{name="stack"} 3',
      'workqueue_adds_total{name="stack"} 1',
      'workqueue_retries_total{name="stack"} 1',
      'workqueue_queue_duration_seconds_sum{name="stack"} 0.5',
      'workqueue_work_duration_seconds_sum{name="stack"} 2',
    ]) {
      assert.ok(text.includes(line), line);
    }
  });
});
