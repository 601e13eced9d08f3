import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { metricSum, parsePrometheusText } from "../../testing/prometheus-text.ts";
import type { AgentObservation } from "../store/agent-store.ts";
import { AgentMetrics } from "./agent-metrics.ts";

const stackId = "00000000-0000-0000-0000-000000000001";
const numbered = (...seqs: number[]): AgentObservation[] =>
  seqs.map((seq) => ({ seq, stackId, kind: "applied", generation: 1 }));

async function scrape(
  registry: Registry,
): Promise<(name: string, labels?: Record<string, string>) => number> {
  const samples = parsePrometheusText(await registry.metrics());
  return (name, labels) => metricSum(samples, `stackwarden_agent_${name}`, labels);
}

describe("AgentMetrics", () => {
  // Each step: what happened, then the counters expected after it.
  type Step = (m: AgentMetrics) => void;
  const cases: Array<[string, Step[], Record<string, number>]> = [
    [
      "nothing replayed while every call succeeds",
      [(m) => m.succeeded(5_000), (m) => m.buffered(1), (m) => m.acknowledged(numbered(1), 1)],
      { acknowledged: 1, replayed: 0, connected: 1, last: 5 },
    ],
    [
      "what waited through a failed call is replayed, also what was buffered after it",
      [
        (m) => m.succeeded(1_000),
        (m) => m.buffered(1),
        (m) => m.failed("observations", 1),
        (m) => m.buffered(2),
        (m) => m.failed("report", 2),
        (m) => m.buffered(3),
        (m) => m.succeeded(90_000),
        (m) => m.buffered(4),
        (m) => m.acknowledged(numbered(1, 2, 3, 4), 4),
      ],
      { acknowledged: 4, replayed: 3, connected: 1, last: 90, report: 1, observations: 1 },
    ],
    [
      "only what the control plane acknowledged counts",
      [
        (m) => m.failed("desired", 0),
        (m) => m.buffered(1),
        (m) => m.buffered(2),
        (m) => m.acknowledged(numbered(1, 2), 1),
      ],
      { acknowledged: 1, replayed: 1, connected: 0, last: 0, desired: 1 },
    ],
  ];
  for (const [name, steps, expected] of cases) {
    it(name, async () => {
      const registry = new Registry();
      const metrics = new AgentMetrics(registry, () => 7);
      for (const step of steps) step(metrics);
      const read = await scrape(registry);
      assert.equal(read("observations_acknowledged_total"), expected["acknowledged"]);
      assert.equal(read("observations_replayed_total"), expected["replayed"]);
      assert.equal(read("connected"), expected["connected"]);
      assert.equal(read("control_plane_last_success_timestamp_seconds"), expected["last"]);
      assert.equal(read("observations_buffered"), 7, "the buffer's size, read when scraped");
      for (const call of ["report", "desired", "observations"]) {
        assert.equal(read("control_plane_failures_total", { call }), expected[call] ?? 0, call);
      }
    });
  }

  it("counts what the bound forced out", async () => {
    const registry = new Registry();
    const metrics = new AgentMetrics(registry, () => 0);
    metrics.dropped();
    metrics.dropped();
    assert.equal((await scrape(registry))("observations_dropped_total"), 2);
  });
});
