import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import {
  otlpTracesUrl,
  reconcileAttributeNames,
  reconcileSpanAttributes,
  startTracing,
  tracer,
  tracerName,
  withSpan,
} from "./tracing.ts";

describe("otlpTracesUrl", () => {
  const cases = [
    { endpoint: "http://tempo:4318", url: "http://tempo:4318/v1/traces" },
    { endpoint: "http://tempo:4318/", url: "http://tempo:4318/v1/traces" },
    { endpoint: "https://otel.example/otlp/", url: "https://otel.example/otlp/v1/traces" },
    { endpoint: "http://tempo:4318/v1/traces", url: "http://tempo:4318/v1/traces" },
  ];
  for (const { endpoint, url } of cases) {
    it(`${endpoint} → ${url}`, () => assert.equal(otlpTracesUrl(endpoint), url));
  }

  for (const endpoint of ["tempo:4318", "grpc://tempo:4317", "not a url"]) {
    it(`rejects ${endpoint}`, () => assert.throws(() => otlpTracesUrl(endpoint), TypeError));
  }
});

describe("reconcileSpanAttributes", () => {
  it("names every field under its stable attribute name", () => {
    assert.deepEqual(
      reconcileSpanAttributes({
        controller: "stack",
        kind: "Stack",
        namespace: "games",
        name: "survival",
        generation: 3,
      }),
      {
        "stackwarden.controller": "stack",
        "stackwarden.resource.kind": "Stack",
        "k8s.namespace.name": "games",
        "stackwarden.resource.name": "survival",
        "stackwarden.resource.generation": 3,
      },
    );
  });

  it("leaves out the namespace of a cluster-scoped object and an unknown generation", () => {
    const attributes = reconcileSpanAttributes({ controller: "template", kind: "Template", name: "redis" });
    assert.deepEqual(Object.keys(attributes).sort(), [
      reconcileAttributeNames.controller,
      reconcileAttributeNames.kind,
      reconcileAttributeNames.name,
    ]);
  });
});

describe("withSpan", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it("nests spans across await and records their attributes", async () => {
    exporter.reset();
    const result = await withSpan(
      "reconcile",
      { "stackwarden.controller": "stack", skipped: undefined },
      () =>
        withSpan("kube PATCH", { "http.request.method": "PATCH", retried: false }, async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return 42;
        }),
    );
    assert.equal(result, 42);
    const [child, parent] = exporter.getFinishedSpans();
    assert.ok(parent && child);
    assert.equal(parent.name, "reconcile");
    assert.equal(child.name, "kube PATCH");
    assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.deepEqual(parent.attributes, { "stackwarden.controller": "stack" });
    assert.deepEqual(child.attributes, { "http.request.method": "PATCH", retried: false });
    assert.equal(parent.instrumentationScope.name, tracerName);
  });

  it("marks the span ERROR, records the exception and rethrows the same error", async () => {
    exporter.reset();
    const boom = new RangeError("no such template");
    await assert.rejects(
      withSpan("reconcile", {}, () => Promise.reject(boom)),
      (e: unknown) => e === boom,
    );
    const [span] = exporter.getFinishedSpans();
    assert.ok(span);
    assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: "no such template" });
    assert.equal(span.attributes["error.type"], "RangeError");
    assert.equal(span.events[0]?.name, "exception");
    assert.equal(span.events[0]?.attributes?.["exception.message"], "no such template");
  });

  it("ends the span and rethrows when something other than an Error is thrown", async () => {
    exporter.reset();
    await assert.rejects(
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test
      withSpan<void>("reconcile", {}, () => Promise.reject("gone")),
      (e: unknown) => e === "gone",
    );
    assert.equal(exporter.getFinishedSpans()[0]?.status.code, SpanStatusCode.ERROR);
  });

  it("gives fn the active span", async () => {
    await withSpan("outer", {}, (span) => {
      assert.equal(trace.getActiveSpan(), span);
      return Promise.resolve();
    });
  });
});

/** A stand-in collector on 127.0.0.1 that records the requests it gets. */
async function startCollector(): Promise<{
  url: string;
  requests: { method: string; path: string; headers: IncomingHttpHeaders; bytes: number }[];
  close(): Promise<void>;
}> {
  const requests: { method: string; path: string; headers: IncomingHttpHeaders; bytes: number }[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, bytes });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** The `@opentelemetry/*` modules a fresh process resolves while it runs `script` on tracing.ts. */
async function openTelemetryModulesResolvedBy(script: string): Promise<string[]> {
  const program = `
    import { registerHooks } from "node:module";
    const seen = [];
    registerHooks({ resolve: (specifier, context, next) => (seen.push(specifier), next(specifier, context)) });
    const { startTracing } = await import(${JSON.stringify(import.meta.resolve("./tracing.ts"))});
    ${script}
    console.log(JSON.stringify(seen.filter((s) => s.startsWith("@opentelemetry/"))));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", program]);
  return JSON.parse(stdout) as string[];
}

describe("startTracing", () => {
  it("imports only the API without an endpoint", async () => {
    const script = `await (await startTracing({ serviceName: "x" })).shutdown();`;
    assert.deepEqual(await openTelemetryModulesResolvedBy(script), ["@opentelemetry/api"]);
  });

  it("imports the SDK once given an endpoint", async () => {
    const script = `await (await startTracing({ serviceName: "x", otlpEndpoint: "http://127.0.0.1:9" })).shutdown();`;
    const modules = await openTelemetryModulesResolvedBy(script);
    assert.ok(modules.includes("@opentelemetry/sdk-trace"), String(modules));
    assert.ok(modules.includes("@opentelemetry/exporter-trace-otlp-http"), String(modules));
  });

  it("loads nothing without an endpoint: spans stay no-op", async () => {
    const tracing = await startTracing({ serviceName: "stackwarden-test" });
    const span = trace.getTracer(tracerName).startSpan("nothing");
    assert.equal(span.isRecording(), false);
    span.end();
    await tracing.shutdown();
  });

  it("exports over OTLP/HTTP to the endpoint, flushed by shutdown", async () => {
    const collector = await startCollector();
    try {
      const tracing = await startTracing({
        serviceName: "stackwarden-test",
        otlpEndpoint: collector.url,
        headers: { authorization: "Bearer test" },
      });
      // `tracer` bound itself to the in-memory provider of the suite above, so take a fresh one.
      trace.getTracer(tracerName).startActiveSpan("exported", (span) => {
        assert.equal(span.isRecording(), true);
        span.end();
      });
      await tracing.shutdown();
      await tracing.shutdown();
      assert.equal(collector.requests.length, 1);
      const [request] = collector.requests;
      assert.equal(request?.method, "POST");
      assert.equal(request?.path, "/v1/traces");
      assert.equal(request?.headers.authorization, "Bearer test");
      assert.ok((request?.bytes ?? 0) > 0);
      assert.equal(trace.getTracer(tracerName).startSpan("after").isRecording(), false);
    } finally {
      await collector.close();
    }
  });

  it("refuses to replace a registered tracer provider", async () => {
    const registered = new TracerProvider();
    trace.setGlobalTracerProvider(registered);
    try {
      await assert.rejects(
        startTracing({ serviceName: "stackwarden-test", otlpEndpoint: "http://127.0.0.1:9" }),
        /already registered/,
      );
    } finally {
      trace.disable();
    }
  });

  it("exports tracer, bound to the stackwarden scope", () => {
    assert.equal(typeof tracer.startActiveSpan, "function");
  });
});
