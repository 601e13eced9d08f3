/**
 * The write path of the runtime against a real API server: apply waves and
 * compare-before-write (zero writes on a converged resync, by the API
 * server's own metrics, counting only this run's own CRD), status transactions with conflict retries, the
 * finalizer's four cases, drift signals from managedFields, and the retry
 * policy driven by real API errors.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import { Controller } from "../engine/controller.ts";
import { ManualClock } from "../engine/clock.ts";
import { done } from "../engine/result.ts";
import { setCondition } from "../engine/conditions.ts";
import { type Condition } from "../api/condition.ts";
import { applyInWaves, applyObject, prune, type LiveObjects } from "./apply.ts";
import { KubeClient } from "./client.ts";
import { foreignChanges, type ForeignChange } from "./drift.ts";
import { withFinalizer } from "./finalizer.ts";
import { Reflector } from "./reflector.ts";
import { ResourceTypes, resourcePath } from "./resource-type.ts";
import { type ResourceType } from "../api/resource-type.ts";
import { patchStatus } from "./status.ts";
import type { KubeObject } from "../api/object.ts";
import { eventually } from "../testing/eventually.ts";
import { useTestNamespace } from "../testing/cluster.ts";
import { installTestCrd } from "../testing/test-crd.ts";
import { metricSum, parsePrometheusText } from "../testing/prometheus-text.ts";

const ns = await useTestNamespace("runtime");
const client = new KubeClient(ns.kc);
const types = new ResourceTypes();
// A group of this run's own: the API server counts requests per group and resource, so its write
// counts are this file's alone, whoever else runs this test or any other on the shared cluster.
const probes = await installTestCrd(client, {
  group: `r${randomBytes(4).toString("hex")}.runtime.test.stackwarden.dev`,
  kind: "Probe",
  plural: "probes",
});
types.register(probes);
const stop = new AbortController();
after(() => {
  stop.abort();
  client.close();
});

const probe = (name: string, spec: Record<string, unknown> = { size: 1 }): KubeObject =>
  ({
    apiVersion: `${probes.group}/v1`,
    kind: "Probe",
    metadata: { name, namespace: ns.namespace, labels: { "app.kubernetes.io/managed-by": "stackwarden" } },
    spec,
  }) as KubeObject;

function cachedReflector(type: ResourceType, labelSelector?: string): Reflector {
  const reflector = new Reflector({
    client,
    type,
    namespace: ns.namespace,
    ...(labelSelector ? { labelSelector } : {}),
  });
  void reflector.run(stop.signal);
  return reflector;
}

const liveFrom = (reflector: Reflector): LiveObjects => ({
  get: (_type, namespace, name) => reflector.store.get(namespace ? `${namespace}/${name}` : name),
  written: (_type, object) => reflector.store.recordWrite(object),
  deleted: (_type, object) => reflector.store.recordDelete(object),
});

/**
 * The API server's count of `verbs` requests to single objects among this run's own probes, from
 * its /metrics: `apiserver_request_total` is labelled by group and resource, and the group is this
 * run's alone. Only `scope="resource"` counts: the namespace controller sends a collection DELETE
 * (`scope="namespace"`) of every namespaced type, ours included, into each namespace it empties,
 * whoever's it is, and those touch none of our objects.
 */
async function apiserverRequests(verbs: string[]): Promise<number> {
  const samples = parsePrometheusText(await client.requestText("GET", "/metrics"));
  return verbs.reduce(
    (total, verb) =>
      total +
      metricSum(samples, "apiserver_request_total", {
        group: probes.group,
        resource: "probes",
        scope: "resource",
        verb,
      }),
    0,
  );
}

describe("apply", () => {
  it("applies in waves, then a converged resync of 200 objects costs no request at all", async () => {
    const reflector = cachedReflector(probes, "app.kubernetes.io/managed-by=stackwarden");
    await reflector.waitForSync();
    const desired = Array.from({ length: 200 }, (_, i) => probe(`p-${i}`, { size: i }));
    const first = await applyInWaves({ client, types, live: liveFrom(reflector) }, desired);
    assert.equal(first.filter((a) => a.changed).length, 200);
    await eventually("the cache to hold all 200", () => (reflector.store.size === 200 ? true : undefined));

    const writeVerbs = ["APPLY", "PATCH", "POST", "PUT", "DELETE"];
    const writesBefore = await apiserverRequests(writeVerbs);
    const sentBefore = [...client.requestCounts.values()].reduce((a, b) => a + b, 0);
    const resync = await applyInWaves({ client, types, live: liveFrom(reflector) }, desired);
    const sentAfter = [...client.requestCounts.values()].reduce((a, b) => a + b, 0);
    assert.equal(resync.filter((a) => a.changed).length, 0);
    assert.equal(sentAfter - sentBefore, 0, "no request of any kind for a converged resync");
    assert.equal(await apiserverRequests(writeVerbs), writesBefore, "the API server saw no write");
    assert.ok(writesBefore >= 200, `the API server counted the first 200 applies (${writesBefore})`);
  });

  it("puts back a field another manager changed, and prunes only what is no longer desired", async () => {
    const reflector = cachedReflector(probes, "suite=prune");
    await reflector.waitForSync();
    const mk = (name: string): KubeObject => {
      const p = probe(name, { size: 2 });
      return { ...p, metadata: { ...p.metadata, labels: { suite: "prune" } } };
    };
    const live = liveFrom(reflector);
    await applyInWaves({ client, types, live }, [mk("keep"), mk("drop")]);
    await client.request("PATCH", resourcePath(probes, ns.namespace, "keep"), {
      query: { fieldManager: "kubectl-edit" },
      body: { spec: { size: 99 } },
      contentType: "application/merge-patch+json",
    });
    await eventually("the edit in the cache", () =>
      (reflector.store.get(`${ns.namespace}/keep`) as { spec?: { size?: number } } | undefined)?.spec
        ?.size === 99
        ? true
        : undefined,
    );
    const restored = await applyObject({ client, types, live }, mk("keep"));
    assert.equal(restored.changed, true);
    assert.equal((restored.object as KubeObject & { spec: { size: number } }).spec.size, 2);

    const owned = reflector.store.list({ labelSelector: "suite=prune" });
    const pruned = await prune(
      { client, types, live },
      [mk("keep")],
      owned,
      (o) => o.metadata.labels?.suite === "prune",
    );
    assert.deepEqual(
      pruned.map((o) => o.metadata.name),
      ["drop"],
    );
    assert.equal(
      reflector.store.get(`${ns.namespace}/drop`),
      undefined,
      "read-your-writes hides the deleted object",
    );
    await assert.rejects(
      prune({ client, types, live }, [], reflector.store.list(), () => false),
      /refusing to prune/,
    );
  });
});

describe("status", () => {
  type ProbeStatus = { phase?: string; conditions?: Condition[]; observedGeneration?: number };
  const setPhase =
    (phase: string) =>
    (s: ProbeStatus): void => {
      s.phase = phase;
    };

  it("writes only what changed, skips no-op writes, and retries a conflict", async () => {
    const created = (await applyObject({ client, types }, probe("status-1"))).object;
    const first = await patchStatus<ProbeStatus>({
      client,
      type: probes,
      namespace: ns.namespace,
      name: "status-1",
      current: created,
      transactions: [
        setPhase("Installing"),
        (s) => {
          s.conditions = setCondition(
            s.conditions ?? [],
            { type: "Ready", status: "False", reason: "Installing", message: "installing" },
            new Date().toISOString(),
          );
        },
      ],
    });
    assert.equal(first.changed, true);
    assert.equal(first.object.status?.phase, "Installing");

    const before = client.requestCounts.get("PATCH") ?? 0;
    const noop = await patchStatus<ProbeStatus>({
      client,
      type: probes,
      namespace: ns.namespace,
      name: "status-1",
      current: first.object,
      transactions: [setPhase("Installing")],
    });
    assert.equal(noop.changed, false);
    assert.equal(
      client.requestCounts.get("PATCH") ?? 0,
      before,
      "no request for a status that did not change",
    );

    // Someone else writes status; our copy is now stale and the first PATCH must conflict.
    await client.request("PATCH", `${resourcePath(probes, ns.namespace, "status-1")}/status`, {
      body: { status: { observedGeneration: 7 } },
      contentType: "application/merge-patch+json",
    });
    const retried = await patchStatus<ProbeStatus>({
      client,
      type: probes,
      namespace: ns.namespace,
      name: "status-1",
      current: first.object,
      transactions: [setPhase("Ready")],
    });
    assert.equal(retried.attempts, 2);
    assert.equal(retried.object.status?.phase, "Ready");
    assert.equal(retried.object.status?.observedGeneration, 7, "the other writer's field survived");
  });
});

describe("finalizers", () => {
  const finalizer = "stackwarden.dev/finalizer";
  const read = (name: string): Promise<KubeObject> =>
    client.request<KubeObject>("GET", resourcePath(probes, ns.namespace, name));

  it("adds ours, cleans up on deletion and removes only ours", async () => {
    const p = probe("fin-1");
    await applyObject(
      { client, types },
      { ...p, metadata: { ...p.metadata, finalizers: ["example.com/keep"] } },
    );
    let applied = 0;
    let cleaned = 0;
    const run = async (): Promise<void> => {
      await withFinalizer({
        client,
        type: probes,
        object: await read("fin-1"),
        finalizer,
        apply: () => Promise.resolve((applied++, done)),
        cleanup: () => Promise.resolve((cleaned++, done)),
      });
    };
    await run();
    assert.deepEqual((await read("fin-1")).metadata.finalizers, ["example.com/keep", finalizer]);
    assert.equal(applied, 1);

    await client.request("DELETE", resourcePath(probes, ns.namespace, "fin-1"));
    await run();
    assert.equal(cleaned, 1);
    assert.deepEqual(
      (await read("fin-1")).metadata.finalizers,
      ["example.com/keep"],
      "the other finalizer stays",
    );
    await run();
    assert.equal(cleaned, 1, "absent and deleting: nothing to do");
    // Play the other controller: let its finalizer go too, so the object and the CRD can be deleted.
    await client.request("PATCH", resourcePath(probes, ns.namespace, "fin-1"), {
      body: [{ op: "remove", path: "/metadata/finalizers/0" }],
      contentType: "application/json-patch+json",
    });
  });

  it("creates the finalizer list when there is none", async () => {
    await applyObject({ client, types }, probe("fin-2"));
    await withFinalizer({
      client,
      type: probes,
      object: await read("fin-2"),
      finalizer,
      apply: () => Promise.resolve(done),
      cleanup: () => Promise.resolve(done),
    });
    assert.deepEqual((await read("fin-2")).metadata.finalizers, [finalizer]);
  });
});

describe("drift signal", () => {
  it("names the manager and fields of an out-of-band change to an owned object", async () => {
    const deployments = types.known("apps/v1", "Deployment")!;
    const reflector = cachedReflector(deployments, "suite=drift");
    await reflector.waitForSync();
    const changes: ForeignChange[] = [];
    reflector.on((e) => {
      if (e.type === "modified") changes.push(...foreignChanges(e.previous, e.object));
    });
    await applyObject({ client, types, live: liveFrom(reflector) }, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns.namespace, labels: { suite: "drift" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
        },
      },
    } as KubeObject);
    await eventually("the deployment in the cache", () =>
      reflector.store.get(`${ns.namespace}/web`) ? true : undefined,
    );
    await client.request("PATCH", `${resourcePath(deployments, ns.namespace, "web")}/scale`, {
      query: { fieldManager: "kubectl-scale" },
      body: { spec: { replicas: 5 } },
      contentType: "application/merge-patch+json",
    });
    const change = await eventually("the drift signal", () =>
      changes.find((c) => c.manager === "kubectl-scale"),
    );
    assert.deepEqual(change.fields, ["spec.replicas"]);
    assert.equal(
      changes.some((c) => c.manager === "kube-controller-manager"),
      false,
      "the controller manager's status writes are not drift",
    );
  });
});

describe("retry policy on real API errors", () => {
  it("backs a permanent error (404) off 5 min, then 10 min, and reports Failed at the 5th failure", async () => {
    const clock = new ManualClock(Date.now());
    const attempts: number[] = [];
    const failures: Array<{ failures: number; errorClass: string; failed: boolean }> = [];
    const controller = new Controller<string>({
      name: "retry-test",
      registry: new Registry(),
      clock,
      random: () => 0.5,
      reconciler: {
        reconcile: async () => {
          attempts.push(clock.now());
          await client.request("GET", resourcePath(probes, ns.namespace, "does-not-exist"));
          return done;
        },
      },
      onFailure: (_key, _error, n, errorClass, failed) =>
        void failures.push({ failures: n, errorClass, failed }),
    });
    controller.start();
    controller.queue.add("k");
    await eventually("the first attempt", () => (failures.length === 1 ? true : undefined));
    const min = 60_000;
    // Each retry is fired by an advance that ends exactly when it falls due, and time stands still
    // until its failure is seen, so the next delay counts from that very minute (random 0.5: no jitter).
    await clock.advance(4 * min);
    assert.equal(attempts.length, 1, "not retried before 5 min");
    await clock.advance(1 * min);
    await eventually("the second attempt", () => (failures.length === 2 ? true : undefined));
    for (let i = 3; i <= 5; i++) {
      await clock.advance(9 * min);
      assert.equal(attempts.length, i - 1, "permanent errors then wait 10 min");
      await clock.advance(1 * min);
      await eventually(`attempt ${i}`, () => (failures.length === i ? true : undefined));
    }
    assert.deepEqual(
      failures.map((f) => [f.failures, f.errorClass, f.failed]),
      [
        [1, "permanent", false],
        [2, "permanent", false],
        [3, "permanent", false],
        [4, "permanent", false],
        [5, "permanent", true],
      ],
    );
    await controller.stop();
  });

  it("backs a transient network error off 10 s, 20 s, 40 s, 60 s, 60 s", async () => {
    const clock = new ManualClock(Date.now());
    const unreachable = new KubeClient(ns.kc);
    const cluster = ns.kc.getCurrentCluster()!;
    // A port nothing listens on: every request is refused.
    const { freePorts } = await import("../sandbox/ports.ts");
    const [port] = await freePorts(1);
    const dead = new URL(cluster.server);
    dead.port = String(port);
    Object.defineProperty(unreachable, "server", { get: () => dead.origin });
    const times: number[] = [];
    const classes: string[] = [];
    const controller = new Controller<string>({
      name: "retry-transient",
      registry: new Registry(),
      clock,
      random: () => 0.5,
      reconciler: {
        reconcile: async () => {
          times.push(clock.now());
          await unreachable.request("GET", "/version");
          return done;
        },
      },
      onFailure: (_key, _error, _n, errorClass) => void classes.push(errorClass),
    });
    controller.start();
    controller.queue.add("k");
    for (const [i, wait] of [10, 20, 40, 60, 60].entries()) {
      await eventually(`failure ${i + 1}`, () => (classes.length === i + 1 ? true : undefined));
      await clock.advance(wait * 1000 - 1);
      assert.equal(times.length, i + 1, `not retried before ${wait} s`);
      await clock.advance(1);
    }
    await eventually("the sixth attempt", () => (times.length === 6 ? true : undefined));
    const gaps = times.slice(1).map((t, i) => Math.round((t - times[i]!) / 1000));
    assert.deepEqual(gaps, [10, 20, 40, 60, 60]);
    assert.ok(classes.every((c) => c === "transient"));
    await controller.stop();
  });
});
