import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../engine/clock.ts";
import type { KubeClient, RequestOptions } from "./client.ts";
import { KubeApiError } from "./errors.ts";
import { EventRecorder, truncateNote } from "./event-recorder.ts";
import { Redactor } from "./redactor.ts";

describe("truncateNote", () => {
  const cases: Array<[name: string, note: string, maxBytes: number, want: string]> = [
    ["keeps a note that fits", "short", 10, "short"],
    ["keeps a note of exactly the limit", "0123456789", 10, "0123456789"],
    ["cuts a longer one and marks the cut", "0123456789A", 10, "0123456..."],
    ["never splits a character", "ééééé", 9, "ééé..."],
    ["never splits a surrogate pair", "😀😀😀", 10, "😀..."],
  ];
  for (const [name, note, maxBytes, want] of cases) {
    it(name, () => {
      const got = truncateNote(note, maxBytes);
      assert.equal(got, want);
      assert.ok(Buffer.byteLength(got) <= maxBytes);
    });
  }

  it("cuts to 1 KiB by default", () => assert.equal(Buffer.byteLength(truncateNote("x".repeat(5000))), 1024));
});

interface Call {
  readonly verb: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** A KubeClient stand-in that records requests and answers from `answer`, one at a time on demand. */
function fakeClient(answer: (call: Call) => unknown = () => ({})): { client: KubeClient; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    request: async (verb: string, path: string, options: RequestOptions = {}): Promise<unknown> => {
      const call = { verb, path, body: options.body as Record<string, unknown> };
      calls.push(call);
      await Promise.resolve();
      const result = answer(call);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as KubeClient;
  return { client, calls };
}

const pod = { apiVersion: "v1", kind: "Pod", name: "web-0", namespace: "shop", uid: "u-1" };
const started = { type: "Normal", reason: "Started", action: "Start", note: "started" } as const;
const apiError = (status: number, reason: string): KubeApiError =>
  new KubeApiError("X", "/", status, { reason, code: status });

describe("EventRecorder", () => {
  it("creates one Event and folds repeats made during the create into one series patch", async () => {
    const { client, calls } = fakeClient();
    const recorder = new EventRecorder({ client, reportingInstance: "op-0", clock: new ManualClock(0) });
    for (let i = 0; i < 3; i++) recorder.record(pod, started);
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.verb),
      ["POST", "PATCH"],
    );
    const [create, patch] = calls;
    assert.equal(create?.path, "/apis/events.k8s.io/v1/namespaces/shop/events");
    assert.match(String((create?.body.metadata as { name: string }).name), /^web-0\.[0-9a-f]{16}$/);
    assert.equal(create?.body.series, undefined);
    assert.equal(create?.body.eventTime, "1970-01-01T00:00:00.000000Z");
    assert.equal(create?.body.reportingController, "stackwarden.dev/operator");
    assert.equal(patch?.path, `${create?.path}/${(create?.body.metadata as { name: string }).name}`);
    assert.deepEqual(patch?.body, { series: { count: 3, lastObservedTime: "1970-01-01T00:00:00.000000Z" } });
  });

  it("puts Events about cluster-scoped objects in default, and redacts before truncating", async () => {
    const { client, calls } = fakeClient();
    const redactor = new Redactor();
    redactor.register("hunter22");
    const recorder = new EventRecorder({ client, reportingInstance: "op-0", redactor });
    const note = `${"x".repeat(1015)}hunter22 and more`;
    recorder.record({ apiVersion: "v1", kind: "Node", name: "n1" }, { ...started, note });
    await recorder.flush();
    assert.equal(calls[0]?.path, "/apis/events.k8s.io/v1/namespaces/default/events");
    assert.equal(calls[0]?.body.note, `${"x".repeat(1015)}[redac...`);
    assert.deepEqual(calls[0]?.body.regarding, { apiVersion: "v1", kind: "Node", name: "n1" });
  });

  it("creates the Event again under its name when it expired before a repeat", async () => {
    const { client, calls } = fakeClient((c) => (c.verb === "PATCH" ? apiError(404, "NotFound") : {}));
    const recorder = new EventRecorder({ client, reportingInstance: "op-0" });
    recorder.record(pod, started);
    await recorder.flush();
    recorder.record(pod, started);
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.verb),
      ["POST", "PATCH", "POST"],
    );
    assert.deepEqual(calls[2]?.body.metadata, calls[0]?.body.metadata);
    assert.equal((calls[2]?.body.series as { count: number }).count, 2);
  });

  it("logs failed writes, never throws, and drops beyond the rate limit", async () => {
    const { client, calls } = fakeClient(() => apiError(403, "Forbidden"));
    const logged: string[] = [];
    const recorder = new EventRecorder({
      client,
      reportingInstance: "op-0",
      correlation: { burst: 2 },
      log: (level, message) => void logged.push(`${level}: ${message}`),
    });
    for (const reason of ["A", "B", "C"]) recorder.record(pod, { ...started, reason });
    await recorder.flush();
    assert.equal(calls.length, 2);
    assert.equal(recorder.dropped, 1);
    assert.deepEqual(logged, ["warn: could not write an Event", "warn: could not write an Event"]);
  });

  it("tells repeats apart by related object identity, not its resourceVersion", async () => {
    const { client, calls } = fakeClient();
    const recorder = new EventRecorder({ client, reportingInstance: "op-0" });
    const related = { apiVersion: "v1", kind: "Secret", name: "creds", namespace: "shop" };
    recorder.record(pod, { ...started, related: { ...related, resourceVersion: "1" } });
    recorder.record(pod, { ...started, related: { ...related, resourceVersion: "2" } });
    recorder.record(pod, { ...started, related: { ...related, name: "other" } });
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.verb),
      ["POST", "POST", "PATCH"],
    );
  });
});
