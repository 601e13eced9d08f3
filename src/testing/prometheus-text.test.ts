import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { metricSum, parsePrometheusText } from "./prometheus-text.ts";

const text = `# HELP controller_runtime_reconcile_total Total number of reconciliations per controller
# TYPE controller_runtime_reconcile_total counter
controller_runtime_reconcile_total{controller="stack",result="success"} 12
controller_runtime_reconcile_total{controller="stack",result="requeue_after"} 3
controller_runtime_reconcile_total{controller="chronik",result="success"} 5
workqueue_depth{name="stack"} 0
process_start_time_seconds 1764553200 1764553200000
odd{note="a \\"quoted\\" \\\\ value"} 1.5
`;

describe("parsePrometheusText", () => {
  it("reads names, labels and values, skipping comments", () => {
    const samples = parsePrometheusText(text);
    assert.equal(samples.length, 6);
    assert.deepEqual(samples[0], {
      name: "controller_runtime_reconcile_total",
      labels: { controller: "stack", result: "success" },
      value: 12,
    });
    assert.deepEqual(samples[4], { name: "process_start_time_seconds", labels: {}, value: 1764553200 });
    assert.equal(samples[5]?.labels.note, 'a "quoted" \\ value');
  });

  it("names a line it cannot read", () => {
    assert.throws(() => parsePrometheusText("not a sample line at all"), /not a Prometheus sample/);
  });
});

describe("metricSum", () => {
  const samples = parsePrometheusText(text);
  const table: Array<[string, Record<string, string>, number]> = [
    ["controller_runtime_reconcile_total", {}, 20],
    ["controller_runtime_reconcile_total", { controller: "stack" }, 15],
    ["controller_runtime_reconcile_total", { controller: "stack", result: "success" }, 12],
    ["controller_runtime_reconcile_total", { controller: "absent" }, 0],
    ["workqueue_depth", { name: "stack" }, 0],
    ["missing_metric", {}, 0],
  ];
  for (const [name, labels, want] of table) {
    it(`${name} ${JSON.stringify(labels)} = ${want}`, () => {
      assert.equal(metricSum(samples, name, labels), want);
    });
  }
});
