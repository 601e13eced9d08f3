/**
 * A cluster added through the store (as `POST /api/v1/clusters` does) is
 * connected from its stored kubeconfig when a stack there is first
 * reconciled; its stacks converge and are observed through that connection.
 * (The "other" cluster is the test cluster again, under another name and
 * credentials read from the stored kubeconfig, not the process's own.)
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { stackBinding } from "../operator/stack/stack-controller.ts";
import { createLogger } from "../observability/logger.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { stackConverged } from "../testing/control-plane.ts";
import { eventually } from "../testing/eventually.ts";
import { startKindOperator } from "../testing/kind-operator.ts";
import { startControlPlane } from "./control-plane.ts";
import { builtinTemplateRecords } from "./guardrails.ts";
import { openStore } from "./store/store.ts";

const ns = await useTestNamespace("cp-clusters");

/** How many reconciles of the control plane's stack controller ended in a terminal error. */
async function terminalErrors(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find(
    (m) => m.name === "controller_runtime_terminal_reconcile_errors_total",
  );
  return (metric?.values ?? [])
    .filter((v) => v.labels["controller"] === "controlplane_stack")
    .reduce((sum, v) => sum + v.value, 0);
}
await startKindOperator(ns, [stackBinding]);
const explain = { timeoutMs: 90_000, explain: () => describeNamespace(ns.kc, ns.namespace) };

describe("clusters added by kubeconfig", () => {
  it("are connected from the stored kubeconfig, and their stacks converge and are observed", async () => {
    const store = await openStore({ dataDir: "memory://" });
    after(() => store.close());
    await store.catalog.syncBuiltins(builtinTemplateRecords());
    const stop = new AbortController();
    const registry = new Registry();
    const cp = await startControlPlane(
      { store, kubeconfig: ns.kc, resyncMs: 1_000, registry, logger: createLogger({ level: "silent" }) },
      stop.signal,
    );
    after(async () => {
      stop.abort();
      await cp.done;
    });
    await store.catalog.addCluster(
      { name: "edge", description: "added by kubeconfig", kubeconfig: readFileSync(ns.kubeconfig, "utf8") },
      "alice",
    );
    const template = builtinTemplateRecords().find((t) => t.name === "minecraft-java");
    assert.ok(template);
    const { stack } = await store.stacks.create(
      {
        template: template.name,
        templateVersion: template.version,
        cluster: "edge",
        namespace: ns.namespace,
        name: "far",
        params: { eula: true, memory: "1G" },
        drift: { policy: "enforce", ignore: [] },
      },
      "alice",
    );
    cp.notify(stack.id);
    await stackConverged(store, stack.id, explain);
    const kinds = await eventually("the edge stack's objects to be tracked", async () => {
      const k = (await store.observed.resources(stack.id)).map((r) => r.kind).sort();
      return k.includes("StatefulSet") && k.includes("Service") ? k : undefined;
    });
    assert.ok(kinds.includes("Stack"));

    // A stack naming a cluster that has no stored kubeconfig fails for good, and says why.
    await store.catalog.addCluster({ name: "nowhere", description: "", kubeconfig: null }, "alice");
    const { stack: lost } = await store.stacks.create(
      {
        template: template.name,
        templateVersion: template.version,
        cluster: "nowhere",
        namespace: ns.namespace,
        name: "lost",
        params: { eula: true, memory: "1G" },
        drift: { policy: "enforce", ignore: [] },
      },
      "alice",
    );
    cp.notify(lost.id);
    const failed = await eventually("ReconcileFailed for the cluster without a kubeconfig", async () => {
      const events = await store.events({ stackId: lost.id, after: 0, limit: 100 });
      return events.find((e) => e.type === "ReconcileFailed");
    });
    assert.match(String(failed.data["error"]), /nowhere/);
    // Resyncs run it again and are refused again; the refusal is recorded once.
    const refusedSoFar = await terminalErrors(registry);
    await eventually("two more refused reconciles", async () =>
      (await terminalErrors(registry)) >= refusedSoFar + 2 ? true : undefined,
    );
    const recorded = await store.events({
      stackId: lost.id,
      after: 0,
      limit: 100,
      types: ["ReconcileFailed"],
    });
    assert.equal(recorded.length, 1, JSON.stringify(recorded.map((e) => e.data)));
  });
});
