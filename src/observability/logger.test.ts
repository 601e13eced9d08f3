import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { duplicateKeys } from "../testing/json-duplicate-keys.ts";
import { createLogger, type LoggerOptions } from "./logger.ts";

/** A logger writing into memory, and its lines parsed. */
function memoryLogger(options: LoggerOptions = {}): {
  logger: ReturnType<typeof createLogger>;
  lines: () => Record<string, unknown>[];
  raw: () => string[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      chunks.push(chunk.toString("utf8"));
      callback();
    },
  });
  const logger = createLogger({ ...options, destination });
  return {
    logger,
    raw: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line !== ""),
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("writes one JSON object per line with level name, ISO time, message and logger name", () => {
    const { logger, lines } = memoryLogger({ name: "operator" });
    logger.info("started");
    const [line] = lines();
    assert.equal(line?.["level"], "info");
    assert.equal(line?.["msg"], "started");
    assert.equal(line?.["logger"], "operator");
    assert.match(String(line?.["time"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("drops lines under its level", () => {
    const { logger, lines } = memoryLogger({ level: "warn" });
    logger.info("quiet");
    logger.warn("loud");
    assert.deepEqual(
      lines().map((l) => l["msg"]),
      ["loud"],
    );
  });

  it("carries a child's kind, namespace, name and generation on every line, once each", () => {
    const { logger, lines } = memoryLogger({ name: "operator" });
    const child = logger.child({ kind: "Stack", namespace: "games", name: "survival", generation: 4 });
    child.info({ phase: "Ready" }, "reconciled");
    const [line] = lines();
    assert.deepEqual(
      {
        kind: line?.["kind"],
        namespace: line?.["namespace"],
        name: line?.["name"],
        generation: line?.["generation"],
      },
      { kind: "Stack", namespace: "games", name: "survival", generation: 4 },
    );
    assert.equal(line?.["phase"], "Ready");
    assert.equal(line?.["logger"], "operator");
  });

  it("writes no key twice through a component's child and a per-object child", () => {
    const { logger, raw, lines } = memoryLogger({ name: "server" });
    const http = logger.child({ component: "http" });
    const reconcile = http.child({ kind: "Stack", namespace: "games", name: "survival", generation: 4 });
    http.info("listening");
    reconcile.warn({ err: new Error("boom") }, "failed");
    assert.deepEqual(
      raw().map((line) => duplicateKeys(line)),
      [[], []],
    );
    assert.deepEqual(
      lines().map((line) => [line["logger"], line["component"]]),
      [
        ["server", "http"],
        ["server", "http"],
      ],
    );
  });

  it("throws for an unknown level", () => {
    assert.throws(() => createLogger({ level: "verbose" }));
  });

  it("writes an error under any key with its type, message and stack", () => {
    const { logger, lines } = memoryLogger();
    logger.warn({ lastError: new TypeError("no route") }, "retrying");
    const lastError = lines()[0]?.["lastError"] as Record<string, unknown>;
    assert.equal(lastError["type"], "TypeError");
    assert.equal(lastError["message"], "no route");
    assert.match(String(lastError["stack"]), /^TypeError: no route/);
  });

  it("writes no trace fields outside a span", () => {
    const { logger, lines } = memoryLogger();
    logger.info("idle");
    assert.equal(lines()[0]?.["trace_id"], undefined);
    assert.equal(lines()[0]?.["span_id"], undefined);
  });

  describe("inside an active span", () => {
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
    });
    before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
    after(async () => {
      context.disable();
      await provider.shutdown();
    });

    it("adds the span's trace_id and span_id, across await", async () => {
      const { logger, lines } = memoryLogger();
      const ids = await provider.getTracer("test").startActiveSpan("reconcile", async (span) => {
        await new Promise((resolve) => setImmediate(resolve));
        logger.child({ kind: "Stack", name: "survival" }).info("applying");
        span.end();
        return span.spanContext();
      });
      const [line] = lines();
      assert.match(ids.traceId, /^[0-9a-f]{32}$/);
      assert.equal(line?.["trace_id"], ids.traceId);
      assert.equal(line?.["span_id"], ids.spanId);
    });

    it("writes no trace fields for the API's non-recording placeholder span", () => {
      const { logger, lines } = memoryLogger();
      trace.getTracer("no-provider").startActiveSpan("noop", (span) => {
        logger.info("inside");
        span.end();
      });
      assert.equal(lines()[0]?.["trace_id"], undefined);
    });
  });

  describe("with redact", () => {
    const redact = (text: string): string => text.replaceAll("hunter2", "[REDACTED]");

    const cases: { name: string; log: (logger: ReturnType<typeof createLogger>) => void }[] = [
      { name: "the message", log: (l) => l.info("password is hunter2") },
      { name: "a format argument", log: (l) => l.info("password is %s", "hunter2") },
      { name: "a string field", log: (l) => l.info({ password: "hunter2" }, "x") },
      { name: "a nested field", log: (l) => l.info({ spec: { env: [{ value: "x-hunter2" }] } }, "x") },
      { name: "a child binding", log: (l) => l.child({ name: "hunter2" }).info("x") },
      { name: "an error's message", log: (l) => l.error(new Error("bad token hunter2")) },
      { name: "an error under err", log: (l) => l.error({ err: new Error("hunter2") }, "failed") },
      {
        name: "an error's cause",
        log: (l) => l.error({ err: new Error("apply failed", { cause: new Error("hunter2") }) }, "x"),
      },
      { name: "an error under another key", log: (l) => l.warn({ lastError: new TypeError("hunter2") }) },
    ];
    for (const { name, log } of cases) {
      it(`redacts ${name}`, () => {
        const { logger, lines } = memoryLogger({ redact });
        log(logger);
        const text = JSON.stringify(lines());
        assert.ok(!text.includes("hunter2"), text);
        assert.ok(text.includes("[REDACTED]"), text);
      });
    }

    it("writes errors under any key in pino's shape", () => {
      const { logger, lines } = memoryLogger({ redact });
      logger.warn({ lastError: new TypeError("hunter2") }, "retrying");
      const lastError = lines()[0]?.["lastError"] as Record<string, unknown>;
      assert.equal(lastError["type"], "TypeError");
      assert.equal(lastError["message"], "[REDACTED]");
    });

    it("still writes errors in pino's shape", () => {
      const { logger, lines } = memoryLogger({ redact });
      logger.error({ err: new RangeError("hunter2 out of range") }, "failed");
      const err = lines()[0]?.["err"] as Record<string, unknown>;
      assert.equal(err["type"], "RangeError");
      assert.equal(err["message"], "[REDACTED] out of range");
      assert.match(String(err["stack"]), /^RangeError: \[REDACTED\] out of range/);
    });

    it("survives circular fields", () => {
      const { logger, lines } = memoryLogger({ redact });
      const loop: Record<string, unknown> = { secret: "hunter2" };
      loop["self"] = loop;
      logger.info({ loop }, "x");
      assert.deepEqual(lines()[0]?.["loop"], { secret: "[REDACTED]", self: "[Circular]" });
    });

    it("writes nothing unredacted when the redactor sees a child's child", () => {
      const { logger, lines } = memoryLogger({ redact, name: "hunter2" });
      logger
        .child({ kind: "Stack" })
        .child({ namespace: "hunter2" })
        .info({ a: { b: { c: ["hunter2"] } } });
      assert.ok(!JSON.stringify(lines()).includes("hunter2"));
    });

    it("leaves numbers, booleans, null and keys alone", () => {
      const { logger, lines } = memoryLogger({ redact: () => "[REDACTED]" });
      logger.info({ generation: 3, ready: true, owner: null, hunter2: [1] }, "x");
      const [line] = lines();
      assert.equal(line?.["generation"], 3);
      assert.equal(line?.["ready"], true);
      assert.equal(line?.["owner"], null);
      assert.deepEqual(line?.["hunter2"], [1]);
      assert.equal(line?.["msg"], "[REDACTED]");
    });
  });
});
