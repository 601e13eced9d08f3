/**
 * The control plane's HTTP server: the REST API and its live event streams
 * under `/api`, the OpenAPI document, probes, metrics and the web UI, on one
 * address.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Histogram, type Registry } from "prom-client";
import type { EventFeed } from "../controlplane/event-feed.ts";
import type { ObserverHealthReport } from "../controlplane/observers/observer-health.ts";
import { BackupService, type BackupTiming } from "../controlplane/game/backup-service.ts";
import type { GameService } from "../controlplane/game/game-service.ts";
import { PowerService } from "../controlplane/game/power-service.ts";
import { ScheduleService } from "../controlplane/game/schedule-service.ts";
import { Scheduler } from "../controlplane/game/scheduler.ts";
import { StackService } from "../controlplane/stack-service.ts";
import type { Store } from "../controlplane/store/store.ts";
import type { Logger } from "../observability/logger.ts";
import { adminRoutes } from "./api/admin.ts";
import { backupTargetRoutes } from "./api/backup-targets.ts";
import { backupRoutes } from "./api/backups.ts";
import { scheduleRoutes } from "./api/schedules.ts";
import { agentRoutes } from "./api/agent.ts";
import { eventRoutes } from "./api/events.ts";
import { gameRoutes } from "./api/game.ts";
import { openApiDocument } from "./api/openapi.ts";
import { problem } from "./api/problem.ts";
import { registerRoutes, sendProblem, type RouteSpec } from "./api/route.ts";
import { stackRoutes } from "./api/stacks.ts";
import { templateRoutes } from "./api/templates.ts";
import { serveUi } from "./web-ui.ts";
import { packageVersion } from "../sandbox/paths.ts";

/** What {@link createHttpServer} serves. */
export interface HttpServerOptions {
  readonly store: Store;
  /** The process's one event feed (SSE streams subscribe to it). */
  readonly feed: EventFeed;
  /** Served on `/metrics`; the server adds its request duration histogram to it. */
  readonly registry: Registry;
  /** Readiness beyond the store answering (e.g. the reconciler's caches synced). */
  readonly ready: () => Promise<boolean> | boolean;
  /** This replica's observer health per cluster, for `GET /api/v1/clusters` (none: `observer: null`). */
  readonly observerHealth?: (cluster: string) => ObserverHealthReport | undefined;
  /** Called with the stack id after every desired change, so the reconciler picks it up at once. */
  readonly notify?: (stackId: string) => void;
  /** The web UI's built files, served at `/` (index.html for unknown non-API paths). */
  readonly uiDir?: string;
  readonly logger?: Logger;
  /** Milliseconds between SSE keep-alive comments (15 s). */
  readonly pingMs?: number;
  /** Game-server logs, console and connection info (the `game` routes answer 503 without it). */
  readonly game?: GameService;
  /**
   * Runs the stacks' schedules in this process (each due run once across
   * replicas): `holder` names the replica in claims; `now` is the clock.
   * Needs `game`. Without it, schedules are stored but run by no one here.
   */
  readonly scheduler?: { readonly holder: string; readonly tickMs?: number; readonly now?: () => Date };
  /** How long a backup Job may take and how often it is looked at (tests make it quick). */
  readonly backupTiming?: Partial<BackupTiming>;
}

/** Bodies above this are refused with 413. */
export const bodyLimit = 1024 * 1024;

const version = packageVersion();

/**
 * Builds the server (not listening: call `listen`). Guarantees: every `/api`
 * route authenticates with a bearer token and checks its role; every error is
 * an `application/problem+json` document that leaks no stack trace, token or
 * kubeconfig; request logs name the route, never the query (tokens may be in
 * it); a refused request changes nothing.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Fastify gets no logger: its request logs would carry URLs, and `?access_token=` is in some.
  const app = Fastify({ bodyLimit, return503OnClosing: true });
  const log = options.logger;
  // JSON only: a text/plain body is refused with 415 rather than parsed.
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser(
    "application/merge-patch+json",
    { parseAs: "string" },
    app.getDefaultJsonParser("error", "error"),
  );
  const duration = requestDuration(options.registry);
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    log?.debug({ method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime }, "request");
    done();
  });
  app.setErrorHandler((e, request, reply) => {
    const answer = sendProblem(reply, e);
    if (reply.statusCode >= 500 && reply.statusCode !== 503) {
      log?.error({ err: e, method: request.method, route: request.routeOptions.url }, "request failed");
    }
    return answer;
  });
  app.setNotFoundHandler((request, reply) => notFound(request, reply, options.uiDir));

  const routes: RouteSpec[] = [
    ...templateRoutes,
    ...stackRoutes,
    ...gameRoutes,
    ...backupRoutes,
    ...backupTargetRoutes,
    ...scheduleRoutes,
    ...eventRoutes,
    ...adminRoutes,
    ...agentRoutes,
  ];
  const openapi: RouteSpec = {
    method: "GET",
    path: "/openapi.json",
    summary: "This document",
    tag: "meta",
    role: "public",
    responses: { 200: { description: "The OpenAPI 3.1 document" } },
    handler: () => Promise.resolve({ status: 200, body: document }),
  };
  const document = openApiDocument([...routes, openapi], version);
  const streams = new Set<AbortController>();
  app.addHook("preClose", (done) => {
    for (const s of streams) s.abort();
    done();
  });
  const changed = (id: string): void => {
    options.feed.wake();
    options.notify?.(id);
  };
  const power = new PowerService(options.store, changed, options.game);
  const backups = options.game
    ? new BackupService(options.store, options.game, power, {
        ...(options.backupTiming ? { timing: options.backupTiming } : {}),
        ...(options.scheduler ? { holder: options.scheduler.holder } : {}),
      })
    : undefined;
  if (options.scheduler && options.game && backups) {
    const game = options.game;
    const scheduler = new Scheduler(
      options.store,
      {
        restart: (id, actor) => power.run(id, "restart", actor),
        backup: (id, actor, backup) => backups.create(id, actor, backup),
        command: (id, command, actor) => game.console(id, { command }, actor),
      },
      options.scheduler,
    );
    scheduler.start(options.scheduler.tickMs);
    // The replica that runs schedules also adopts backups other replicas left behind.
    backups.start();
    app.addHook("onClose", async () => {
      await scheduler.stop();
      await backups.stop();
      await backups.settled();
    });
  }
  registerRoutes(app, [...routes, openapi], {
    store: options.store,
    feed: options.feed,
    stacks: new StackService(options.store, changed),
    power,
    schedules: new ScheduleService(options.store, options.scheduler?.now),
    pingMs: options.pingMs ?? 15_000,
    streams,
    observerHealth: options.observerHealth ?? (() => undefined),
    ...(log ? { log } : {}),
    ...(options.game ? { game: options.game } : {}),
    ...(backups ? { backups } : {}),
  });

  const text = (reply: FastifyReply, status: number, body: string): FastifyReply =>
    reply.code(status).type("text/plain; charset=utf-8").send(body);
  app.get("/healthz", (_req, reply) => text(reply, 200, "ok\n"));
  app.get("/livez", (_req, reply) => text(reply, 200, "ok\n"));
  app.get("/readyz", async (_req, reply) => {
    const ready = (await options.store.ping()) && (await options.ready());
    return text(reply, ready ? 200 : 503, ready ? "ok\n" : "not ready\n");
  });
  app.get("/metrics", async (_req, reply) =>
    reply.type(options.registry.contentType).send(await options.registry.metrics()),
  );
  return app;
}

function requestDuration(registry: Registry): Histogram<"method" | "route" | "status_code"> {
  const name = "stackwarden_http_request_duration_seconds";
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<"method" | "route" | "status_code">;
  return new Histogram({
    name,
    help: "Time to answer an HTTP request, by route and status",
    labelNames: ["method", "route", "status_code"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

async function notFound(
  request: FastifyRequest,
  reply: FastifyReply,
  uiDir: string | undefined,
): Promise<FastifyReply> {
  const path = request.url.split("?")[0] ?? "/";
  if (
    path === "/api" ||
    path.startsWith("/api/") ||
    (request.method !== "GET" && request.method !== "HEAD")
  ) {
    const p = problem("NotFound", `there is no ${request.method} ${path}`);
    return reply.code(p.status).type("application/problem+json").send(p.body);
  }
  return serveUi(reply, path, uiDir);
}
