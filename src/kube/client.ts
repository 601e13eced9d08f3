import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from "node:http";
import type { KubeAccess } from "./kubeconfig.ts";
import { KubeApiError, KubeNetworkError, type StatusBody } from "./errors.ts";
import { withSpan } from "../observability/tracing.ts";

/** Query parameters; undefined values are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Defaults to application/json when there is a body. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Whole-request deadline; defaults to 30 s. Watches have none. */
  readonly timeoutMs?: number;
}

/** Called after every request, for metrics and traces. */
export type RequestObserver = (info: {
  readonly verb: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
}) => void;

interface Credentials {
  readonly server: URL;
  readonly headers: OutgoingHttpHeaders;
  readonly tls: { ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean };
}

/**
 * The only HTTP client of the Kubernetes API in Stackwarden. It takes
 * authentication and TLS from a {@link KubeAccess} (client-node's KubeConfig or the light reader; tokens,
 * client certificates, exec plugins), keeps connections alive, turns every
 * failure into a classified {@link KubeApiError} or {@link KubeNetworkError},
 * counts requests by verb so tests and benchmarks can see what a reconcile
 * cost, and traces every request as a span (a child of the reconcile's span).
 */
export class KubeClient {
  readonly #kc: KubeAccess;
  readonly #userAgent: string;
  readonly #observers: RequestObserver[] = [];
  #agent: HttpsAgent | HttpAgent | undefined;
  #agentKey = "";
  /** Requests sent so far, by verb (GET, LIST, WATCH, POST, PATCH, PUT, DELETE). */
  readonly requestCounts = new Map<string, number>();

  constructor(kc: KubeAccess, { userAgent = "stackwarden" }: { userAgent?: string } = {}) {
    this.#kc = kc;
    this.#userAgent = userAgent;
  }

  /** Registers a callback run after every request. */
  observe(observer: RequestObserver): void {
    this.#observers.push(observer);
  }

  /** The API server's base URL. */
  get server(): string {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    return cluster.server;
  }

  /** Sends one request and returns the parsed JSON body; throws a classified error on failure. */
  async request<T>(verb: string, path: string, options: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(verb, path, options);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /** Like {@link request}, for endpoints that answer in text (`/metrics`, `/readyz`). */
  async requestText(verb: string, path: string, options: RequestOptions = {}): Promise<string> {
    return withSpan(`kube ${verb}`, { "stackwarden.kube.verb": verb, "url.path": path }, async (span) => {
      const res = await this.#send(verb, path, options, options.timeoutMs ?? 30_000);
      span.setAttribute("http.response.status_code", res.statusCode ?? 0);
      const text = await readBody(res, options.signal);
      if ((res.statusCode ?? 0) >= 400)
        throw new KubeApiError(verb, path, res.statusCode ?? 0, parseStatus(text));
      return text;
    });
  }

  /**
   * Opens a watch (or any newline-delimited JSON stream) and yields each
   * object as it arrives, until the server ends the stream or `signal`
   * aborts. An HTTP error status throws before the first object.
   */
  async *stream(path: string, query: Query, signal: AbortSignal): AsyncGenerator<unknown> {
    const res = await this.#send("WATCH", path, { query: { ...query, watch: true }, signal }, undefined);
    if ((res.statusCode ?? 0) >= 400) {
      throw new KubeApiError("WATCH", path, res.statusCode ?? 0, parseStatus(await readBody(res, signal)));
    }
    res.setEncoding("utf8");
    let partial = "";
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") yield JSON.parse(line) as unknown;
      }
    } catch (e: unknown) {
      if (signal.aborted) return;
      throw new KubeNetworkError("WATCH", path, e);
    } finally {
      res.destroy();
    }
    if (!signal.aborted && partial.trim() !== "") yield JSON.parse(partial) as unknown;
  }

  /**
   * Opens a text stream (a pod's log) and yields it line by line, without the
   * newline, until the server ends it or `signal` aborts. An HTTP error status
   * throws a classified {@link KubeApiError} before the first line.
   */
  async *streamLines(path: string, query: Query, signal: AbortSignal): AsyncGenerator<string> {
    const res = await this.#send("GET", path, { query, signal }, undefined);
    if ((res.statusCode ?? 0) >= 400) {
      throw new KubeApiError("GET", path, res.statusCode ?? 0, parseStatus(await readBody(res, signal)));
    }
    res.setEncoding("utf8");
    let partial = "";
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        yield* lines;
      }
    } catch (e: unknown) {
      if (signal.aborted) return;
      throw new KubeNetworkError("GET", path, e);
    } finally {
      res.destroy();
    }
    if (!signal.aborted && partial !== "") yield partial;
  }

  /** The kubeconfig this client authenticates with (for the websocket helpers of `pod-io.ts`). */
  get kubeConfig(): KubeAccess {
    return this.#kc;
  }

  async #credentials(): Promise<Credentials> {
    const opts: {
      headers?: OutgoingHttpHeaders;
      ca?: unknown;
      cert?: unknown;
      key?: unknown;
      rejectUnauthorized?: boolean;
    } = {};
    await this.#kc.applyToHTTPSOptions(opts);
    const tls = {
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.cert !== undefined ? { cert: opts.cert } : {}),
      ...(opts.key !== undefined ? { key: opts.key } : {}),
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
    };
    return { server: new URL(this.server), headers: opts.headers ?? {}, tls };
  }

  #agentFor(creds: Credentials): HttpsAgent | HttpAgent {
    const key = JSON.stringify([creds.server.protocol, creds.tls]);
    if (!this.#agent || key !== this.#agentKey) {
      this.#agent?.destroy();
      this.#agentKey = key;
      this.#agent =
        creds.server.protocol === "http:"
          ? new HttpAgent({ keepAlive: true, maxSockets: 64 })
          : new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(creds.tls as object) });
    }
    return this.#agent;
  }

  async #send(
    verb: string,
    path: string,
    options: RequestOptions,
    timeoutMs: number | undefined,
  ): Promise<IncomingMessage> {
    const creds = await this.#credentials();
    const url = new URL(path, creds.server);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const method = verb === "LIST" || verb === "WATCH" ? "GET" : verb;
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    const headers: OutgoingHttpHeaders = {
      ...creds.headers,
      accept: "application/json, */*",
      "user-agent": this.#userAgent,
      ...(body !== undefined
        ? {
            "content-type": options.contentType ?? "application/json",
            "content-length": Buffer.byteLength(body),
          }
        : {}),
    };
    this.requestCounts.set(verb, (this.requestCounts.get(verb) ?? 0) + 1);
    const started = performance.now();
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = send(
          url,
          { method, headers, agent: this.#agentFor(creds), signal: options.signal },
          resolve,
        );
        if (timeoutMs !== undefined) {
          req.setTimeout(timeoutMs, () =>
            req.destroy(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" })),
          );
        }
        req.on("error", reject);
        req.end(body);
      });
      for (const o of this.#observers) {
        o({ verb, path: url.pathname, status: res.statusCode ?? 0, durationMs: performance.now() - started });
      }
      return res;
    } catch (e: unknown) {
      for (const o of this.#observers)
        o({ verb, path: url.pathname, status: 0, durationMs: performance.now() - started });
      if (options.signal?.aborted) throw options.signal.reason;
      throw new KubeNetworkError(verb, url.pathname, e);
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }
}

async function readBody(res: IncomingMessage, signal: AbortSignal | undefined): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  try {
    for await (const chunk of res as AsyncIterable<string>) text += chunk;
  } catch (e: unknown) {
    if (signal?.aborted) throw signal.reason;
    throw new KubeNetworkError("READ", res.url ?? "", e);
  }
  return text;
}

function parseStatus(text: string): StatusBody | undefined {
  try {
    return JSON.parse(text) as StatusBody;
  } catch {
    return text === "" ? undefined : { message: text.slice(0, 500) };
  }
}
