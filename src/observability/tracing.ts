import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";

/** The instrumentation scope every Stackwarden span is recorded under. */
export const tracerName = "stackwarden";

/**
 * Stackwarden's tracer. Until {@link startTracing} registers an SDK it is the OpenTelemetry API's
 * no-op tracer, so spans cost next to nothing; afterwards it delegates to the registered provider.
 * (It is the API's proxy tracer, which binds to the first provider it sees registered and keeps it,
 * so start tracing once per process.)
 */
export const tracer: Tracer = trace.getTracer(tracerName);

/** How {@link startTracing} exports spans. */
export interface TracingOptions {
  /** Recorded as the `service.name` resource attribute, e.g. `stackwarden-operator`. */
  readonly serviceName: string;
  /**
   * The OTLP/HTTP collector, like `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://tempo:4318`); `/v1/traces`
   * is appended unless the path already ends with it. Absent or empty: tracing stays off.
   */
  readonly otlpEndpoint?: string | undefined;
  /** Sent with every export, e.g. an `authorization` header. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** A started tracing setup. */
export interface Tracing {
  /**
   * Exports the spans still buffered, then unregisters the provider and context manager so the API
   * is a no-op again. Safe to call more than once.
   */
  shutdown(): Promise<void>;
}

/**
 * Starts exporting spans over OTLP/HTTP through a batch processor, when `otlpEndpoint` is set.
 * Without one nothing is loaded (the SDK is imported only here, on demand) and the API's no-op
 * tracer stays. With one, it registers the global tracer provider and, unless one is already set, an
 * AsyncLocalStorage context manager so spans nest across `await`. Throws if a global tracer provider
 * is already registered (call `shutdown()` of the previous setup first).
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const endpoint = options.otlpEndpoint;
  if (endpoint === undefined || endpoint === "") return { shutdown: () => Promise.resolve() };
  const url = otlpTracesUrl(endpoint);
  const [sdk, otlp, asyncHooks, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/resources"),
  ]);
  const exporter = new otlp.OTLPTraceExporter({ url, headers: { ...options.headers } });
  const provider = new sdk.TracerProvider({
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ "service.name": options.serviceName })),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter })],
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    await provider.shutdown();
    throw new Error("startTracing: a global OpenTelemetry tracer provider is already registered");
  }
  const contextManager = new asyncHooks.AsyncLocalStorageContextManager().enable();
  const ownsContextManager = context.setGlobalContextManager(contextManager);
  if (!ownsContextManager) contextManager.disable();

  let stopped: Promise<void> | undefined;
  return {
    shutdown(): Promise<void> {
      stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        if (ownsContextManager) context.disable();
      });
      return stopped;
    },
  };
}

/**
 * The OTLP/HTTP traces URL for a collector endpoint: `/v1/traces` appended to the endpoint's path
 * unless it already ends with it. Throws a TypeError for anything but an http(s) URL (a missing
 * scheme, as in `tempo:4318`, would otherwise parse as a URL of scheme `tempo:`).
 */
export function otlpTracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `the OTLP endpoint must be an http:// or https:// URL, not ${JSON.stringify(endpoint)}`,
    );
  }
  if (!url.pathname.endsWith("/v1/traces")) url.pathname = url.pathname.replace(/\/*$/, "/v1/traces");
  return url.href;
}

/** Span attribute values as callers have them; `undefined` ones are left out. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Runs `fn` inside a new active span named `name` (so spans started within, across `await`, are its
 * children), and ends the span however `fn` finishes. When `fn` throws or rejects, the exception is
 * recorded, the span's status is ERROR with the error's message, `error.type` is the error's name,
 * and the same error is rethrown.
 */
export async function withSpan<T>(
  name: string,
  attributes: SpanAttributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes: definedAttributes(attributes) }, async (span) => {
    try {
      return await fn(span);
    } catch (e: unknown) {
      const error = e instanceof Error ? e : new Error(String(e));
      span.recordException(error);
      span.setAttribute("error.type", error.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      throw e;
    } finally {
      span.end();
    }
  });
}

/**
 * The attribute names of a reconcile span. They are part of Stackwarden's interface (dashboards and
 * trace queries use them) and do not change; `k8s.namespace.name` is OpenTelemetry's own.
 */
export const reconcileAttributeNames = {
  controller: "stackwarden.controller",
  kind: "stackwarden.resource.kind",
  namespace: "k8s.namespace.name",
  name: "stackwarden.resource.name",
  generation: "stackwarden.resource.generation",
} as const;

/** The object a reconcile works on; `namespace` is absent for cluster-scoped kinds. */
export interface ReconcileTarget {
  readonly controller: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly generation?: number | undefined;
}

/**
 * The attributes of a reconcile span under {@link reconcileAttributeNames}, for
 * `withSpan("reconcile", reconcileSpanAttributes(target), …)`. Absent fields are left out.
 */
export function reconcileSpanAttributes(target: ReconcileTarget): Readonly<Record<string, string | number>> {
  const attributes = {
    [reconcileAttributeNames.controller]: target.controller,
    [reconcileAttributeNames.kind]: target.kind,
    [reconcileAttributeNames.namespace]: target.namespace,
    [reconcileAttributeNames.name]: target.name,
    [reconcileAttributeNames.generation]: target.generation,
  };
  const defined: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) defined[key] = value;
  return defined;
}

function definedAttributes(attributes: SpanAttributes): Attributes {
  const defined: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) defined[key] = value;
  return defined;
}
