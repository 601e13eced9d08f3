import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dashboards, metricsIn } from "./dashboards.ts";

describe("metricsIn", () => {
  const cases: Array<[string, string[]]> = [
    ["up", ["up"]],
    [
      'sum by (job, resource_kind) (increase(stackwarden_drift_detected_total{change="modified"}[30m])) > 10',
      ["stackwarden_drift_detected_total"],
    ],
    [
      "histogram_quantile(0.95, sum by (le, route) (rate(stackwarden_http_request_duration_seconds_bucket[5m])))",
      ["stackwarden_http_request_duration_seconds"],
    ],
    [
      '(max by (name) (leader_election_master_status{name="x"}) or on() vector(0)) < 1',
      ["leader_election_master_status"],
    ],
    ["rate(a_total[5m]) / ignoring (class) b_seconds_count offset 1h", ["a_total", "b_seconds"]],
  ];
  for (const [expr, names] of cases) {
    it(`reads ${names.join(", ")} from ${expr}`, () =>
      assert.deepEqual(metricsIn(expr).sort(), names.sort()));
  }
});

describe("the dashboards", () => {
  for (const [file, board] of dashboards) {
    it(`${file} has unique panel ids and a query with a metric in every panel`, () => {
      const panels = board.panels as Array<{ id: number; targets: Array<{ expr: string }> }>;
      assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
      for (const p of panels) for (const t of p.targets) assert.ok(metricsIn(t.expr).length > 0, t.expr);
    });
  }
});
