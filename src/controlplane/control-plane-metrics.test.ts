import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { controlPlaneMetrics } from "./control-plane-metrics.ts";

describe("controlPlaneMetrics", () => {
  it("reports the database and the unobserved stacks as they are at each scrape", async () => {
    const registry = new Registry();
    let up = true;
    let unobserved: Map<string, number> | undefined = new Map([["edge", 2]]);
    controlPlaneMetrics(registry, {
      ping: () => Promise.resolve(up),
      unobserved: () => Promise.resolve(unobserved),
    });
    const scrape = (): Promise<string> => registry.metrics();

    assert.match(await scrape(), /^stackwarden_store_up 1$/m);
    assert.match(await scrape(), /^stackwarden_stacks_unobserved\{cluster="edge"\} 2$/m);

    // The database goes away: the gauge says so, the unobserved counts keep their last values.
    up = false;
    unobserved = undefined;
    assert.match(await scrape(), /^stackwarden_store_up 0$/m);
    assert.match(await scrape(), /^stackwarden_stacks_unobserved\{cluster="edge"\} 2$/m);

    // Back, with the stacks seen again: a cluster with none unobserved says 0, one gone says nothing.
    up = true;
    unobserved = new Map([["local", 0]]);
    const text = await scrape();
    assert.match(text, /^stackwarden_stacks_unobserved\{cluster="local"\} 0$/m);
    assert.doesNotMatch(text, /cluster="edge"/);
  });

  it("keeps the scrape working when the probe throws", async () => {
    const registry = new Registry();
    controlPlaneMetrics(registry, {
      ping: () => Promise.resolve(false),
      unobserved: () => Promise.reject(new Error("connection refused")),
    });
    assert.match(await registry.metrics(), /^stackwarden_store_up 0$/m);
  });

  it("counts a database that does not answer in time as down, without holding the scrape", async () => {
    const registry = new Registry();
    const never = new Promise<never>(() => undefined);
    controlPlaneMetrics(registry, { ping: () => never, unobserved: () => never }, { timeoutMs: 20 });
    assert.match(await registry.metrics(), /^stackwarden_store_up 0$/m);
  });

  it("replaces the gauges when called again on one registry", async () => {
    const registry = new Registry();
    controlPlaneMetrics(registry, {
      ping: () => Promise.resolve(false),
      unobserved: () => Promise.resolve(new Map()),
    });
    controlPlaneMetrics(registry, {
      ping: () => Promise.resolve(true),
      unobserved: () => Promise.resolve(new Map()),
    });
    assert.match(await registry.metrics(), /^stackwarden_store_up 1$/m);
  });
});
