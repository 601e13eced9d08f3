/**
 * The observer against the sandbox with a real operator, on PGlite and on
 * PostgreSQL: a store failure between a pass's resource rows and its events
 * (a real error the database raises inside the transaction) leaves both
 * unwritten, is counted and shown by the API, and after recovery each event
 * appears exactly once.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Registry } from "prom-client";
import type { KubeObject } from "../api/object.ts";
import { startTestApi } from "../http/test-api.ts";
import { KubeClient } from "../kube/client.ts";
import { createLogger } from "../observability/logger.ts";
import { stackBinding } from "../operator/stack/stack-controller.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { stackConverged, stackEvents } from "../testing/control-plane.ts";
import { storeBackends } from "../testing/databases.ts";
import { eventually } from "../testing/eventually.ts";
import { startKindOperator } from "../testing/kind-operator.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import { builtinTemplateRecords } from "./guardrails.ts";
import type { ObserverHealthReport } from "./observers/observer-health.ts";
import type { Store } from "./store/store.ts";

const ns = await useTestNamespace("cp-observer");
await startKindOperator(ns, [stackBinding]);
const client = new KubeClient(ns.kc);
after(() => client.close());
const template = builtinTemplateRecords().find((t) => t.name === "minecraft-java");
assert.ok(template);
const explain = { timeoutMs: 120_000, explain: () => describeNamespace(ns.kc, ns.namespace) };

async function controlPlane(store: Store, registry: Registry): Promise<ControlPlane> {
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  const stop = new AbortController();
  const cp = await startControlPlane(
    { store, kubeconfig: ns.kc, resyncMs: 2_000, registry, logger: createLogger({ level: "silent" }) },
    stop.signal,
  );
  after(async () => {
    stop.abort();
    await cp.done;
  });
  return cp;
}

async function writeFailures(registry: Registry): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === "stackwarden_observer_failures_total");
  return (m?.values ?? [])
    .filter((v) => v.labels["stage"] === "write" && v.labels["cluster"] === "local")
    .reduce((sum, v) => sum + v.value, 0);
}

/** Refuses (raises) every insert of a resource event: the failure comes after the rows, before the events. */
const refuseResourceEvents = `
  CREATE FUNCTION test_refuse_resource_events() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.type IN ('ResourceCreated', 'ResourceDeletedExternally') THEN
      RAISE EXCEPTION 'injected: the store fails between the rows and the events';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER test_refuse_resource_events BEFORE INSERT ON stack_events
    FOR EACH ROW EXECUTE FUNCTION test_refuse_resource_events();`;

for (const backend of storeBackends) {
  describe(`the observer on ${backend.name}`, () => {
    it("writes rows and events together: a failure between them leaves both unwritten, and each event appears once after", async () => {
      const store = await backend.open();
      const registry = new Registry();
      const cp = await controlPlane(store, registry);
      const api = await startTestApi(store, { observerHealth: (c) => cp.observerHealth(c) });
      const { stack } = await store.stacks.create(
        {
          template: "minecraft-java",
          templateVersion: template.version,
          cluster: "local",
          namespace: ns.namespace,
          name: `obs-${backend.name}`,
          params: { eula: true, memory: "1G" },
          drift: { policy: "enforce", ignore: [] },
        },
        "alice",
      );
      const id = stack.id;
      await stackConverged(store, id, explain);
      const service = (await store.observed.resources(id)).find((r) => r.kind === "Service");
      assert.ok(service);
      const path = `/api/v1/namespaces/${ns.namespace}/services/${service.name}`;

      await store.db.exec(refuseResourceEvents);
      await client.request("DELETE", path);
      const recreated = await eventually(
        "the operator to recreate the Service",
        async () => {
          const live = await client.request<KubeObject>("GET", path).catch(() => undefined);
          return live?.metadata.uid && live.metadata.uid !== service.uid ? live.metadata.uid : undefined;
        },
        explain,
      );
      // A write failure counted after the new UID exists is a pass that saw the deletion and the new object.
      const failed = await writeFailures(registry);
      await eventually(
        "an observer pass to fail writing",
        async () => ((await writeFailures(registry)) > failed ? true : undefined),
        explain,
      );
      const rows = await store.observed.resources(id, true);
      assert.equal(rows.find((r) => r.uid === service.uid)?.deletedAt, null, "the old row is unwritten");
      assert.equal(
        rows.find((r) => r.uid === recreated),
        undefined,
        "the new UID's row is unwritten",
      );
      /** The events of `type` about `uid`'s object. */
      const about = async (type: string, uid: string): Promise<unknown[]> =>
        (await stackEvents(store, id, type)).map((e) => e.data["uid"]).filter((u) => u === uid);
      const deletion = (): Promise<unknown[]> => about("ResourceDeletedExternally", service.uid);
      const creation = (): Promise<unknown[]> => about("ResourceCreated", recreated);
      assert.deepEqual(await deletion(), [], "no ResourceDeletedExternally yet");
      assert.deepEqual(await creation(), [], "no ResourceCreated yet");
      const clusters = (await api.call("GET", "/api/v1/clusters")).json<
        Array<{ name: string; observer: ObserverHealthReport | null }>
      >();
      const observer = clusters.find((c) => c.name === "local")?.observer;
      assert.equal(observer?.lastFailure?.stage, "write");
      assert.match(observer?.lastFailure?.error ?? "", /injected/);
      assert.ok((observer?.failures ?? 0) >= 1);

      await store.db.exec("DROP TRIGGER test_refuse_resource_events ON stack_events");
      await eventually(
        "both events recorded after recovery",
        async () => ((await deletion()).length > 0 && (await creation()).length > 0 ? true : undefined),
        explain,
      );
      // Let the observer look again (a committed pass after these events), then count.
      const since = cp.observerHealth("local")?.lastWriteAt ?? "";
      await eventually(
        "another committed observer pass",
        () => Promise.resolve((cp.observerHealth("local")?.lastWriteAt ?? "") > since ? true : undefined),
        explain,
      );
      assert.deepEqual(await deletion(), [service.uid], "ResourceDeletedExternally exactly once");
      assert.deepEqual(await creation(), [recreated], "ResourceCreated exactly once");
      const created = (await stackEvents(store, id, "ResourceCreated")).find(
        (e) => e.data["uid"] === recreated,
      );
      assert.equal(created?.data["replaces"], service.uid);
    });
  });
}
