import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { leaderElectionMetric } from "./leader-election-metrics.ts";

async function sample(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("leader_election_master_status")?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.name), v.value]));
}

describe("leaderElectionMetric", () => {
  it("reports 1 while leading and 0 while standing by, read at scrape time", async () => {
    const registry = new Registry();
    let leading = false;
    leaderElectionMetric(registry, "stackwarden-operator", () => leading);
    assert.deepEqual(await sample(registry), { "stackwarden-operator": 0 });
    leading = true;
    assert.deepEqual(await sample(registry), { "stackwarden-operator": 1 });
  });

  it("shares one gauge between Leases and keeps the first registration of a name", async () => {
    const registry = new Registry();
    leaderElectionMetric(registry, "a", () => true);
    leaderElectionMetric(registry, "b", () => false);
    leaderElectionMetric(registry, "a", () => false);
    assert.deepEqual(await sample(registry), { a: 1, b: 0 });
  });
});
