/** The `/api/v1/stacks` routes: create, list, get, change, pause, resume, reconcile, delete. */
import { connectionOf } from "../../controlplane/agent/protocol.ts";
import { Type } from "@sinclair/typebox";
import { stringEnum } from "../../api/string-enum.ts";
import { CreateStackSchema, UpdateStackSchema } from "../../controlplane/stack-input.ts";
import type { UpdateMode } from "../../controlplane/stack-service.ts";
import { desiredStates, statusSummaries, type StackRecord } from "../../controlplane/store/records.ts";
import {
  etag,
  ifMatch,
  problemResponse as problem,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";
import { pageOf } from "./schemas.ts";

const ifMatchHeader = (required: boolean): NonNullable<RouteSpec["headers"]> => [
  {
    name: "If-Match",
    required,
    description: 'The generation you read (the ETag), e.g. "3"; a stale one is refused with 409.',
  },
];

/** Filters and paging of `GET /api/v1/stacks`. */
export const ListStacksQuery = Type.Object(
  {
    cluster: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    template: Type.Optional(Type.String()),
    status: Type.Optional(stringEnum(statusSummaries)),
    desiredState: Type.Optional(stringEnum(desiredStates)),
    q: Type.Optional(Type.String({ maxLength: 253, description: "Part of the name." })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ description: "nextCursor of the previous page." })),
  },
  { additionalProperties: false },
);

/** `GET /api/v1/stacks/{id}`: with `history=true`, objects deleted or replaced (old UIDs) too. */
export const StackDetailQuery = Type.Object(
  {
    history: Type.Optional(
      Type.Boolean({ description: "Also list objects deleted or replaced since (with deletedAt)." }),
    ),
  },
  { additionalProperties: false },
);

const stackAnswer = (
  status: number,
  stack: StackRecord,
  extra: Record<string, string> = {},
): ApiResponse => ({
  status,
  body: stack,
  headers: { etag: etag(stack.generation), ...extra },
});

const id = (req: ApiRequest): string => req.params["id"] ?? "";

function update(mode: UpdateMode): RouteSpec["handler"] {
  return async (req, ctx) =>
    stackAnswer(200, await ctx.stacks.update(id(req), req.body, ifMatch(req), req.user.name, mode));
}

const stateChange = (verb: "pause" | "resume", summary: string): RouteSpec => ({
  method: "POST",
  path: `/v1/stacks/{id}/${verb}`,
  summary,
  tag: "stacks",
  role: "operator",
  headers: ifMatchHeader(false),
  responses: { 200: { description: "The stack", schema: Type.Ref("Stack") }, 404: problem("No such stack") },
  handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> =>
    stackAnswer(200, await ctx.stacks[verb](id(req), req.user.name, ifMatch(req))),
});

/** Every stack route. */
export const stackRoutes: readonly RouteSpec[] = [
  {
    method: "POST",
    path: "/v1/stacks",
    summary: "Create a stack from a template version and params",
    tag: "stacks",
    role: "operator",
    body: CreateStackSchema,
    responses: {
      201: { description: "Created; Location and ETag (the generation) are set", schema: Type.Ref("Stack") },
      404: problem("Unknown template or version"),
      409: problem("A stack with that name exists there"),
      422: problem("Every problem with the body, each with its path (e.g. /params/maxPlayers)"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const stack = await ctx.stacks.create(req.body, req.user.name);
      return stackAnswer(201, stack, { location: `/api/v1/stacks/${stack.id}` });
    },
  },
  {
    method: "GET",
    path: "/v1/stacks",
    summary: "List stacks, oldest first, filtered, a page at a time",
    tag: "stacks",
    role: "viewer",
    query: ListStacksQuery,
    responses: {
      200: { description: "A page of stacks, each with its observed cache", schema: pageOf("StackListItem") },
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const q = req.query as {
        [K in keyof typeof ListStacksQuery.static]: (typeof ListStacksQuery.static)[K];
      };
      const page = await ctx.stacks.list({
        limit: q.limit,
        ...(q.cluster !== undefined ? { cluster: q.cluster } : {}),
        ...(q.namespace !== undefined ? { namespace: q.namespace } : {}),
        ...(q.template !== undefined ? { template: q.template } : {}),
        ...(q.status !== undefined ? { statusSummary: q.status } : {}),
        ...(q.desiredState !== undefined ? { desiredState: q.desiredState } : {}),
        ...(q.q !== undefined ? { nameContains: q.q } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      return { status: 200, body: page };
    },
  },
  {
    method: "GET",
    path: "/v1/stacks/{id}",
    summary: "A stack with its observed status and managed objects",
    tag: "stacks",
    role: "viewer",
    query: StackDetailQuery,
    responses: {
      200: { description: "The stack; ETag is its generation", schema: Type.Ref("StackDetail") },
      404: problem("No such stack"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const { history } = req.query as { history?: boolean };
      const detail = await ctx.stacks.get(id(req), { history: history === true });
      // Where players connect (game servers only); a cluster that does not answer costs the detail nothing.
      const connection = ctx.game
        ? await ctx.game
            .connection(detail.stack)
            .catch(() => ({ kind: "None", addresses: [], hint: "the cluster could not be reached" }))
        : null;
      const cluster = await ctx.store.catalog.getCluster(detail.stack.cluster);
      const unreachable =
        cluster && connectionOf(cluster, Date.now()) === "Disconnected"
          ? {
              since: cluster.lastSeen,
              message: `cluster unreachable since ${cluster.lastSeen ?? "it was registered"}`,
            }
          : null;
      return {
        status: 200,
        body: {
          stack: detail.stack,
          clusterUnreachable: unreachable,
          observed: detail.observed ?? null,
          resources: detail.resources,
          connection,
        },
        headers: { etag: etag(detail.stack.generation) },
      };
    },
  },
  {
    method: "PUT",
    path: "/v1/stacks/{id}",
    summary: "Replace a stack's params (and optionally its template version or drift policy)",
    tag: "stacks",
    role: "operator",
    body: UpdateStackSchema,
    headers: ifMatchHeader(true),
    responses: {
      200: { description: "The changed stack", schema: Type.Ref("Stack") },
      404: problem("No such stack or template version"),
      409: problem("If-Match is not the current generation (currentGeneration says which is)"),
      422: problem("Params outside the schema or guardrails, or an immutable field changed"),
      428: problem("If-Match is missing"),
    },
    handler: update("replace"),
  },
  {
    method: "PATCH",
    path: "/v1/stacks/{id}",
    summary: "Change some of a stack's params (JSON merge patch of params; null removes)",
    tag: "stacks",
    role: "operator",
    body: UpdateStackSchema,
    headers: ifMatchHeader(true),
    responses: {
      200: { description: "The changed stack", schema: Type.Ref("Stack") },
      404: problem("No such stack or template version"),
      409: problem("If-Match is not the current generation"),
      422: problem("Params outside the schema or guardrails"),
      428: problem("If-Match is missing"),
    },
    handler: update("merge"),
  },
  stateChange("pause", "Pause a stack: the operator stops changing its objects"),
  stateChange("resume", "Resume a paused stack"),
  {
    method: "POST",
    path: "/v1/stacks/{id}/reconcile",
    summary: "Reconcile a stack now",
    tag: "stacks",
    role: "operator",
    responses: { 202: { description: "Requested" }, 404: problem("No such stack") },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      await ctx.stacks.reconcile(id(req), req.user.name);
      return { status: 202, body: { requested: true } };
    },
  },
  {
    method: "DELETE",
    path: "/v1/stacks/{id}",
    summary: "Delete a stack: its objects are removed from the cluster (data volumes kept)",
    tag: "stacks",
    role: "operator",
    headers: ifMatchHeader(false),
    responses: {
      202: { description: "Deletion requested", schema: Type.Ref("Stack") },
      404: problem("No such stack"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> =>
      stackAnswer(202, await ctx.stacks.delete(id(req), req.user.name, ifMatch(req))),
  },
];
