import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** A health check: true when healthy. Throwing or rejecting counts as unhealthy. */
export type HealthCheck = () => boolean | Promise<boolean>;

/** What {@link startHealthServer} serves. */
export interface HealthServerOptions {
  /** The address to bind; 127.0.0.1 by default. Use `0.0.0.0` or `::` for kubelet probes. */
  readonly host?: string | undefined;
  /** The port to bind; 0 picks a free one (see the returned `port`). */
  readonly port: number;
  /** Served as Prometheus text on `/metrics`. */
  readonly registry: Registry;
  readonly checks: {
    /** The process works (not wedged); failing it gets the container restarted. */
    readonly live: HealthCheck;
    /** The process can serve, e.g. its caches have synced; failing it takes it out of rotation. */
    readonly ready: HealthCheck;
  };
}

/** A running health server. */
export interface HealthServer {
  /** The port bound, the one picked when asked for 0. */
  readonly port: number;
  /** Stops accepting connections, closes idle keep-alive ones and resolves once all are closed. */
  close(): Promise<void>;
}

/** Which checks each path runs, in order. Readiness includes liveness, as in kube-apiserver. */
const routes: Readonly<
  Record<string, { readonly name: string; readonly checks: readonly ("live" | "ready")[] }>
> = {
  "/healthz": { name: "healthz", checks: ["live"] },
  "/livez": { name: "livez", checks: ["live"] },
  "/readyz": { name: "readyz", checks: ["live", "ready"] },
  // The Chronik operator's paths, for probes written against it.
  "/health": { name: "health", checks: ["live"] },
  "/ready": { name: "ready", checks: ["live", "ready"] },
};

/**
 * Serves the probes and metrics of a Stackwarden process:
 *
 * - `/healthz`, `/livez` and `/health` run the `live` check; `/readyz` and `/ready` run `live`
 *   then `ready`. They answer 200 `ok` when all pass, otherwise 503 listing each check as
 *   `[+]name ok` / `[-]name failed` and `<path> check failed`, the way kube-apiserver does; with
 *   `?verbose` the listing is given on success too. A check that throws has failed; its error is
 *   not shown (the body may be served beyond localhost).
 * - `/metrics` is the registry in Prometheus text format with the registry's content type; 500 if
 *   collecting fails.
 * - GET and HEAD (same status and headers, no body) on those paths; 405 for other methods, 404 for
 *   other paths. Responses are `text/plain` and never cached.
 *
 * Resolves once listening; rejects if the address cannot be bound.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch(() => {
      if (!res.headersSent) reply(res, 500, "internal error\n");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    port,
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: HealthServerOptions,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const route = routes[url.pathname];
  if (route === undefined && url.pathname !== "/metrics") return reply(res, 404, "not found\n");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return reply(res, 405, "method not allowed\n");
  }
  if (route === undefined) {
    const metrics = await options.registry.metrics();
    return reply(res, 200, metrics, options.registry.contentType);
  }
  const results = await Promise.all(
    route.checks.map(async (name) => ({ name, ok: await passes(options.checks[name]) })),
  );
  const healthy = results.every((r) => r.ok);
  const verbose = url.searchParams.has("verbose");
  if (healthy && !verbose) return reply(res, 200, "ok");
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed`));
  lines.push(`${route.name} check ${healthy ? "passed" : "failed"}`);
  return reply(res, healthy ? 200 : 503, lines.join("\n") + "\n");
}

async function passes(check: HealthCheck): Promise<boolean> {
  try {
    return (await check()) === true;
  } catch {
    return false;
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(body);
}
