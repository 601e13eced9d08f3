/**
 * The event recorder against a real API server: repeats become one Event's
 * series, different reasons become different Events, and registered secrets
 * never reach a note.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KubeClient } from "./client.ts";
import { EventRecorder } from "./event-recorder.ts";
import { Redactor } from "./redactor.ts";
import type { KubeObject } from "../api/object.ts";
import { useTestNamespace } from "../testing/cluster.ts";

const ns = await useTestNamespace("event-recorder");
const client = new KubeClient(ns.kc);
after(() => client.close());

interface EventWire {
  readonly metadata: { readonly name: string };
  readonly type: string;
  readonly reason: string;
  readonly action: string;
  readonly note?: string;
  readonly eventTime: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly regarding: { readonly name: string; readonly uid?: string };
  readonly series?: { readonly count: number; readonly lastObservedTime: string };
}

const eventsAbout = async (name: string): Promise<EventWire[]> =>
  (
    await client.request<{ items: EventWire[] }>(
      "LIST",
      `/apis/events.k8s.io/v1/namespaces/${ns.namespace}/events`,
    )
  ).items.filter((e) => e.regarding.name === name);

const createConfigMap = async (name: string): Promise<KubeObject> =>
  client.request("POST", `/api/v1/namespaces/${ns.namespace}/configmaps`, { body: { metadata: { name } } });

const regardingOf = (
  o: KubeObject,
): { apiVersion: string; kind: string; name: string; namespace: string; uid: string } => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  name: o.metadata.name,
  namespace: ns.namespace,
  uid: o.metadata.uid!,
});

describe("EventRecorder", () => {
  it("records repeats as one Event with a series, and another reason as another Event", async () => {
    const regarding = regardingOf(await createConfigMap("series"));
    const recorder = new EventRecorder({ client, reportingInstance: "test-0" });
    const drift = {
      type: "Normal",
      reason: "DriftCorrected",
      action: "Apply",
      note: "restored data",
    } as const;
    recorder.record(regarding, drift);
    await recorder.flush();
    recorder.record(regarding, drift);
    recorder.record(regarding, drift);
    recorder.record(regarding, { ...drift, type: "Warning", reason: "ApplyFailed", note: "quota exceeded" });
    await recorder.flush();

    const events = await eventsAbout("series");
    assert.deepEqual(events.map((e) => [e.reason, e.series?.count]).sort(), [
      ["ApplyFailed", undefined],
      ["DriftCorrected", 3],
    ]);
    const corrected = events.find((e) => e.reason === "DriftCorrected")!;
    assert.equal(corrected.type, "Normal");
    assert.equal(corrected.action, "Apply");
    assert.equal(corrected.note, "restored data");
    assert.equal(corrected.reportingController, "stackwarden.dev/operator");
    assert.equal(corrected.reportingInstance, "test-0");
    assert.equal(corrected.regarding.uid, regarding.uid);
    assert.match(corrected.metadata.name, /^series\.[0-9a-f]{16}$/);
    assert.match(corrected.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(corrected.series!.lastObservedTime >= corrected.eventTime);
  });

  it("never lets a registered secret into a note", async () => {
    const secret = "pg-password-Zx81!q";
    const redactor = new Redactor();
    redactor.register(secret);
    const regarding = regardingOf(await createConfigMap("secretive"));
    const recorder = new EventRecorder({ client, reportingInstance: "test-0", redactor });
    recorder.record(regarding, {
      type: "Warning",
      reason: "ConnectFailed",
      action: "Connect",
      note: `postgres://app:${secret}@db:5432 refused; retrying with ${secret}`,
    });
    recorder.record(regarding, {
      type: "Warning",
      reason: "ConnectFailed",
      action: "Connect",
      note: `${"long ".repeat(300)}${secret}`,
    });
    await recorder.flush();

    const events = await eventsAbout("secretive");
    assert.equal(events.length, 2);
    for (const e of events) assert.ok(!JSON.stringify(e).includes(secret), JSON.stringify(e));
    assert.ok(
      events.some((e) => e.note === "postgres://app:[redacted]@db:5432 refused; retrying with [redacted]"),
    );
    assert.ok(events.every((e) => Buffer.byteLength(e.note ?? "") <= 1024));
  });
});
