import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { ManualClock } from "./clock.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import { type ErrorClass, TerminalError } from "./errors.ts";
import { done, type ReconcileResult, requeueAfter } from "./result.ts";
import { TokenBucket } from "./token-bucket.ts";

const s = 1000;
const min = 60 * s;

class ClassifiedError extends Error {
  readonly errorClass: ErrorClass;
  constructor(errorClass: ErrorClass) {
    super(`a ${errorClass} failure`);
    this.errorClass = errorClass;
  }
}

type Behaviour = (key: string, call: number, signal: AbortSignal) => Promise<ReconcileResult>;

/** A controller on a manual clock around a fake reconciler that records when it was called. */
function setup(behaviour: Behaviour, options: Partial<ControllerOptions<string>> = {}) {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const registry = new Registry();
  const calls: Array<{ key: string; at: number }> = [];
  const failures: Array<{ key: string; failures: number; errorClass: ErrorClass; failed: boolean }> = [];
  const terminals: Array<{ key: string; reason: string }> = [];
  const controller = new Controller<string>({
    name: "stack",
    registry,
    clock,
    random: () => 0.5,
    reconciler: {
      reconcile: (key, signal) => {
        calls.push({ key, at: clock.now() });
        return behaviour(key, calls.filter((c) => c.key === key).length, signal);
      },
    },
    onFailure: (key, _error, n, errorClass, failed) =>
      void failures.push({ key, failures: n, errorClass, failed }),
    onTerminal: (key, error) => void terminals.push({ key, reason: error.reason }),
    ...options,
  });
  return { clock, registry, calls, failures, terminals, controller };
}

/** The gaps between consecutive calls. */
function gaps(calls: ReadonlyArray<{ at: number }>): number[] {
  return calls.slice(1).map((c, i) => c.at - (calls[i]?.at ?? 0));
}

/** A sample's value; `name` may be a histogram's `_count` series. */
async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const base = name.replace(/_count$/, "");
  const values = (await registry.getSingleMetric(base)?.get())?.values ?? [];
  const match = values.find(
    (v) =>
      (base === name || (v as { metricName?: string }).metricName === name) &&
      Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  );
  return match?.value;
}

const failWith =
  (errorClass: ErrorClass): Behaviour =>
  () =>
    Promise.reject(new ClassifiedError(errorClass));

/** A promise with its resolver outside, for reconciles held open by a test. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Controller", () => {
  it("starts again after a stop (a replica that leads again), with an empty queue", async () => {
    const { clock, calls, controller } = setup(() => Promise.resolve(done));
    controller.start();
    controller.queue.add("a");
    await clock.settle();
    await controller.stop();
    controller.queue.add("dropped");
    controller.start();
    assert.throws(() => controller.start(), /already started/);
    controller.queue.add("b");
    await clock.settle();
    assert.deepEqual(
      calls.map((c) => c.key),
      ["a", "b"],
    );
    await controller.stop();
  });

  const backoffCases: Array<[ErrorClass, number[]]> = [
    ["transient", [10 * s, 20 * s, 40 * s, 60 * s, 60 * s]],
    ["unknown", [2 * min, 2 * min, 2 * min]],
    ["permanent", [5 * min, 10 * min, 10 * min]],
  ];
  for (const [errorClass, expected] of backoffCases) {
    it(`retries ${errorClass} errors after ${expected.map((ms) => `${ms / s}s`).join(", ")}`, async () => {
      const { clock, calls, controller } = setup(failWith(errorClass));
      controller.start();
      controller.queue.add("a");
      await clock.advance(expected.reduce((a, b) => a + b, 0));
      assert.deepEqual(gaps(calls), expected);
      await controller.stop();
    });
  }

  const jitterCases: Array<[string, number]> = [
    ["lowest", 0],
    ["highest", 0.999_999],
  ];
  for (const [name, random] of jitterCases) {
    it(`keeps retry delays within ±10% with the ${name} jitter`, async () => {
      const { clock, calls, controller } = setup(failWith("transient"), { random: () => random });
      controller.start();
      controller.queue.add("a");
      await clock.advance(4 * min);
      const expected = [10 * s, 20 * s, 40 * s, 60 * s, 60 * s];
      for (const [i, gap] of gaps(calls).slice(0, 5).entries()) {
        const base = expected[i] ?? 0;
        assert.ok(gap >= base * 0.9 && gap <= base * 1.1, `gap ${i}: ${gap} for ${base}`);
      }
      await controller.stop();
    });
  }

  it("reports failed=true from the 5th consecutive failure", async () => {
    const { clock, failures, controller } = setup(failWith("transient"));
    controller.start();
    controller.queue.add("a");
    await clock.advance(10 * min);
    assert.deepEqual(
      failures.slice(0, 6).map((f) => [f.failures, f.errorClass, f.failed]),
      [
        [1, "transient", false],
        [2, "transient", false],
        [3, "transient", false],
        [4, "transient", false],
        [5, "transient", true],
        [6, "transient", true],
      ],
    );
    await controller.stop();
  });

  it("forgets failures after a success, so the next failure backs off from the start", async () => {
    const { clock, calls, failures, controller } = setup((_key, call) =>
      call === 3 ? Promise.resolve(done) : Promise.reject(new ClassifiedError("transient")),
    );
    controller.start();
    controller.queue.add("a");
    await clock.advance(30 * s); // fails at 0 and 10 s, succeeds at 30 s
    assert.equal(controller.queue.failures("a"), 0);
    controller.queue.add("a"); // fails again
    await clock.advance(10 * s);
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 10 * s, 30 * s, 30 * s, 40 * s],
    );
    assert.deepEqual(
      failures.map((f) => f.failures),
      [1, 2, 1, 2],
    );
    await controller.stop();
  });

  it("records a terminal error and does not retry it", async () => {
    const { clock, calls, failures, terminals, registry, controller } = setup(() =>
      Promise.reject(new Error("wrapped", { cause: new TerminalError("InvalidSpec", "spec.replicas < 0") })),
    );
    controller.start();
    controller.queue.add("a");
    await clock.advance(60 * min);
    assert.equal(calls.length, 1);
    assert.deepEqual(terminals, [{ key: "a", reason: "InvalidSpec" }]);
    assert.deepEqual(failures, []);
    assert.equal(controller.queue.failures("a"), 0);
    assert.equal(await metric(registry, "controller_runtime_terminal_reconcile_errors_total", {}), 1);
    assert.equal(await metric(registry, "controller_runtime_reconcile_errors_total", {}), 1);
    await controller.stop();
  });

  it("honours requeueAfter without counting a failure", async () => {
    const { clock, calls, controller } = setup((_key, call) =>
      Promise.resolve(call < 3 ? requeueAfter(30 * s) : done),
    );
    controller.start();
    controller.queue.add("a");
    await clock.advance(10 * min);
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 30 * s, 60 * s],
    );
    assert.equal(controller.queue.failures("a"), 0);
    await controller.stop();
  });

  it("runs at most maxConcurrentReconciles at once, and one key never twice at once", async () => {
    const release = deferred();
    let inFlight = 0;
    let most = 0;
    const { clock, calls, registry, controller } = setup(
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await release.promise;
        inFlight--;
        return done;
      },
      { maxConcurrentReconciles: 2 },
    );
    controller.start();
    for (const key of ["a", "b", "c", "a", "b"]) controller.queue.add(key);
    await clock.settle();
    assert.deepEqual([inFlight, controller.queue.len()], [2, 1]);
    assert.equal(await metric(registry, "controller_runtime_active_workers", {}), 2);
    controller.queue.add("a"); // already dirty: still re-queued only once
    release.resolve();
    await clock.settle();
    assert.deepEqual(
      calls.map((c) => c.key),
      ["a", "b", "c", "a", "b"],
      "a and b were added again while held, so each runs once more after it is done",
    );
    assert.equal(most, 2);
    assert.equal(await metric(registry, "controller_runtime_max_concurrent_reconciles", {}), 2);
    await controller.stop();
  });

  it("takes a token from the shared rate limiter before each reconcile", async () => {
    const clock = new ManualClock();
    const rateLimiter = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    const { calls, controller } = setup(() => Promise.resolve(done), { clock, rateLimiter });
    controller.start();
    for (const key of ["a", "b", "c"]) controller.queue.add(key);
    await clock.advance(5 * s);
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 1 * s, 2 * s],
    );
    await controller.stop();
  });

  it("stops: aborts in-flight reconciles, waits for them, takes no more work and counts no failure", async () => {
    const finish = deferred();
    let sawAbort = false;
    const { clock, calls, failures, controller } = setup(async (_key, _call, signal) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      sawAbort = signal.aborted;
      await finish.promise;
      throw signal.reason;
    });
    controller.start();
    controller.queue.add("a");
    controller.queue.add("b");
    await clock.settle();
    let stopped = false;
    const stopping = controller.stop().then(() => (stopped = true));
    await clock.settle();
    assert.equal(sawAbort, true);
    assert.equal(stopped, false, "stop waits for the in-flight reconcile");
    finish.resolve();
    await stopping;
    assert.deepEqual(
      calls.map((c) => c.key),
      ["a"],
    );
    assert.deepEqual(failures, []);
    assert.equal(clock.pendingSleepers(), 0);
  });

  it("exposes controller-runtime metrics in the injected registry, shared by controllers", async () => {
    const { clock, registry, controller } = setup((key) =>
      key === "bad" ? Promise.reject(new ClassifiedError("transient")) : Promise.resolve(done),
    );
    const other = new Controller({
      name: "other",
      registry,
      clock,
      reconciler: { reconcile: () => Promise.resolve(done) },
    });
    controller.start();
    controller.queue.add("good");
    controller.queue.add("bad");
    await clock.advance(1);
    const c = { controller: "stack" };
    assert.equal(
      await metric(registry, "controller_runtime_reconcile_total", { ...c, result: "success" }),
      1,
    );
    assert.equal(await metric(registry, "controller_runtime_reconcile_total", { ...c, result: "error" }), 1);
    assert.equal(
      await metric(registry, "controller_runtime_reconcile_total", { ...c, result: "requeue_after" }),
      0,
    );
    assert.equal(await metric(registry, "controller_runtime_reconcile_errors_total", c), 1);
    assert.equal(
      await metric(registry, "stackwarden_reconcile_errors_by_class_total", { ...c, class: "transient" }),
      1,
    );
    assert.equal(await metric(registry, "controller_runtime_reconcile_time_seconds_count", c), 2);
    assert.equal(
      await metric(registry, "controller_runtime_max_concurrent_reconciles", { controller: "other" }),
      1,
    );
    assert.equal(await metric(registry, "workqueue_adds_total", { name: "stack" }), 2);
    assert.equal(await metric(registry, "workqueue_retries_total", { name: "stack" }), 1);
    assert.equal(await metric(registry, "workqueue_depth", { name: "stack" }), 0);
    assert.equal(await metric(registry, "workqueue_queue_duration_seconds_count", { name: "stack" }), 2);
    assert.equal(await metric(registry, "workqueue_work_duration_seconds_count", { name: "stack" }), 2);
    assert.match(await registry.metrics(), /controller_runtime_active_workers\{controller="stack"\} 0/);
    await Promise.all([controller.stop(), other.stop()]);
  });

  it("rejects a non-positive concurrency", () => {
    assert.throws(() => setup(() => Promise.resolve(done), { maxConcurrentReconciles: 0 }), RangeError);
  });
});
