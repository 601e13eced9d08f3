/**
 * How the API's routes are declared: one table entry per route, with the role
 * it needs and the schemas of its path, query, body and answers. The same
 * entries are registered with fastify and turned into the OpenAPI document,
 * so the document cannot drift from what the routes accept.
 */
import { Type, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { validate } from "../../api/validate.ts";
import type { EventFeed } from "../../controlplane/event-feed.ts";
import type { ObserverHealthReport } from "../../controlplane/observers/observer-health.ts";
import type { BackupService } from "../../controlplane/game/backup-service.ts";
import type { GameService } from "../../controlplane/game/game-service.ts";
import type { PowerService } from "../../controlplane/game/power-service.ts";
import type { ScheduleService } from "../../controlplane/game/schedule-service.ts";
import type { StackService } from "../../controlplane/stack-service.ts";
import type { Role, UserRecord } from "../../controlplane/store/records.ts";
import type { Store } from "../../controlplane/store/store.ts";
import type { Logger } from "../../observability/logger.ts";
import { HttpProblem, toProblem } from "./problem.ts";

/** What every route handler may use. */
export interface ApiContext {
  readonly store: Store;
  readonly feed: EventFeed;
  readonly stacks: StackService;
  /** Milliseconds between SSE keep-alive comments. */
  readonly pingMs: number;
  /** Open streams, aborted when the server closes (so closing does not wait for clients). */
  readonly streams: Set<AbortController>;
  /** How this replica's observer of a cluster is doing (undefined: not observing it here). */
  readonly observerHealth: (cluster: string) => ObserverHealthReport | undefined;
  readonly log?: Logger;
  /** Stop, start and restart of game servers. */
  readonly power: PowerService;
  /** Logs, console and connection info of game servers; absent when the server has no cluster access. */
  readonly game?: GameService;
  /** Cron schedules of game servers. */
  readonly schedules: ScheduleService;
  /** Backups and restores of game servers; absent when the server has no cluster access. */
  readonly backups?: BackupService;
}

/** One request, authenticated and with its path and query checked against the route's schemas. */
export interface ApiRequest {
  readonly user: UserRecord;
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  readonly headers: FastifyRequest["headers"];
  readonly raw: FastifyRequest;
  readonly reply: FastifyReply;
}

/** A JSON answer; `undefined` from a handler means it answered itself (streams). */
export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** An answer as the OpenAPI document describes it. */
export interface ResponseSpec {
  readonly description: string;
  readonly schema?: TSchema;
  /** Media type, `application/json` unless given. */
  readonly type?: string;
}

/** One route of `/api`: its path uses OpenAPI's `{param}` syntax. */
export interface RouteSpec {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** The weakest role allowed; `public` needs no token. */
  readonly role: Role | "public";
  /**
   * True on the event streams only: they also take the token as
   * `?access_token=`, because a browser's `EventSource` cannot set headers.
   * Every other route takes it from the Authorization header alone.
   */
  readonly tokenInQuery?: boolean;
  readonly query?: TSchema;
  readonly body?: TSchema;
  /** Header parameters the OpenAPI document lists (e.g. `If-Match`). */
  readonly headers?: readonly { name: string; required: boolean; description: string }[];
  readonly responses: Record<number, ResponseSpec>;
  readonly handler: (req: ApiRequest, ctx: ApiContext) => Promise<ApiResponse | undefined>;
}

/** A problem answer in the OpenAPI document. */
export function problemResponse(description: string): ResponseSpec {
  return { description, schema: Type.Ref("Problem"), type: "application/problem+json" };
}

/** What {@link readRoute} is given: where, who, what the answer is and how it is read. */
export interface ReadRoute extends Pick<RouteSpec, "path" | "summary" | "tag" | "role"> {
  /** The 200 answer's description and schema. */
  readonly description: string;
  readonly schema: TSchema;
  /** The problems it may answer instead, by status. */
  readonly problems?: Record<number, string>;
  readonly read: (req: ApiRequest, ctx: ApiContext) => Promise<unknown>;
}

/** What reading a game server's backups or schedules may answer instead. */
export const stackItemProblems: Record<number, string> = { 404: "No such stack", 422: "Not a game server" };

/** A GET route that answers 200 with what `read` gives: the shape of every route that only reads. */
export function readRoute({ description, schema, problems = {}, read, ...route }: ReadRoute): RouteSpec {
  return {
    ...route,
    method: "GET",
    responses: {
      200: { description, schema },
      ...Object.fromEntries(
        Object.entries(problems).map(([status, text]) => [status, problemResponse(text)]),
      ),
    },
    handler: async (req, ctx) => ({ status: 200, body: await read(req, ctx) }),
  };
}

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * The bearer token of a request: the Authorization header, else, when the
 * route allows it (`inQuery`: the event streams), `?access_token=`.
 */
function tokenOf(request: FastifyRequest, inQuery: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  if (!inQuery) return undefined;
  const q = (request.query as Record<string, unknown> | undefined)?.["access_token"];
  return typeof q === "string" ? q : undefined;
}

/** `/stacks/{id}` → `/stacks/:id`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/**
 * Registers `routes` under `/api`. Each request is authenticated (401 without
 * a known token in the Authorization header; `?access_token=` counts only on
 * routes with {@link RouteSpec.tokenInQuery}), authorized (403 below the route's role) and its query
 * checked (422 listing every problem) before its handler runs; whatever is
 * thrown is answered as a problem document.
 */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[], ctx: ApiContext): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: `/api${fastifyPath(route.path)}`,
      handler: async (request, reply) => {
        const user = await authorize(ctx.store, request, route);
        const query = checkQuery(route.query, request.query);
        const body = route.body ? checkBody(route.body, request.body) : request.body;
        const answer = await route.handler(
          {
            user,
            params: request.params as Record<string, string>,
            query,
            body,
            headers: request.headers,
            raw: request,
            reply,
          },
          ctx,
        );
        if (answer === undefined) return reply;
        void reply.code(answer.status).headers(answer.headers ?? {});
        return answer.body === undefined ? reply.send() : reply.send(answer.body);
      },
    });
  }
}

const publicUser: UserRecord = { id: "", name: "anonymous", role: "viewer", createdAt: "", createdBy: "" };

async function authorize(store: Store, request: FastifyRequest, route: RouteSpec): Promise<UserRecord> {
  const { role } = route;
  if (role === "public") return publicUser;
  const token = tokenOf(request, route.tokenInQuery === true);
  const user = token === undefined ? undefined : await store.auth.authenticate(token);
  if (!user) {
    const where = route.tokenInQuery ? " (or ?access_token=<token>)" : "";
    throw new HttpProblem("Unauthorized", `send a valid token: Authorization: Bearer <token>${where}`);
  }
  if (rank[user.role] < rank[role]) {
    throw new HttpProblem("Forbidden", `this needs the ${role} role; you are ${user.role}`);
  }
  return user;
}

function checkQuery(schema: TSchema | undefined, raw: unknown): Record<string, unknown> {
  const given = { ...(raw as Record<string, unknown>) };
  delete given["access_token"];
  if (!schema) return given;
  const result = validate(schema, Value.Convert(schema, given));
  if (!result.ok) {
    throw new HttpProblem(
      "Invalid",
      "the query is not valid",
      result.problems.map((p) => ({ path: `/query${p.path}`, message: p.message })),
    );
  }
  return result.value as Record<string, unknown>;
}

function checkBody(schema: TSchema, given: unknown): unknown {
  const raw = given ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new HttpProblem("Invalid", "the body must be a JSON object", [
      { path: "", message: "must be a JSON object" },
    ]);
  }
  const result = validate(schema, raw);
  if (!result.ok) throw new HttpProblem("Invalid", "the body is not valid", result.problems);
  return result.value;
}

/** Answers any thrown value as its problem document (used by the app's error handler). */
export function sendProblem(reply: FastifyReply, e: unknown): FastifyReply {
  const p = toProblem(e);
  return reply.code(p.status).headers(p.headers).type("application/problem+json").send(p.body);
}

/** The `If-Match` generation of a request: undefined when absent, a 400 when not a generation. */
export function ifMatch(req: ApiRequest): number | undefined {
  const header = req.headers["if-match"];
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!m?.[1]) throw new HttpProblem("BadRequest", 'If-Match must be a generation, e.g. If-Match: "3"');
  return Number(m[1]);
}

/** The ETag of a generation. */
export const etag = (generation: number): string => `"${generation}"`;
