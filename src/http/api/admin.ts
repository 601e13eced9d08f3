/** Clusters, users and tokens (admins), and `whoami` (anyone with a token). */
import { Type, type Static } from "@sinclair/typebox";
import { stringEnum } from "../../api/string-enum.ts";
import { connectionOf } from "../../controlplane/agent/protocol.ts";
import { clusterModes, roles, type ClusterRecord } from "../../controlplane/store/records.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse,
  readRoute,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

const Label = Type.String({
  pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
  maxLength: 63,
  errorMessage:
    "must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
});

/**
 * The body of `POST /api/v1/clusters`. Mode `direct` (the default) needs the
 * kubeconfig: it is stored sealed, used to connect, and never answered. Mode
 * `agent` takes none: the answer carries a one-time join token instead.
 */
export const AddClusterSchema = Type.Object(
  {
    name: Label,
    description: Type.String({ maxLength: 1000, default: "" }),
    mode: Type.Optional(stringEnum(clusterModes)),
    kubeconfig: Type.Optional(Type.String({ minLength: 1, maxLength: 512 * 1024 })),
  },
  { additionalProperties: false },
);

/** A cluster as the API lists it: its record and whether its agent is connected. */
function clusterView(c: ClusterRecord, ctx: ApiContext): Record<string, unknown> {
  return {
    id: c.name,
    ...c,
    connection: connectionOf(c, Date.now()),
    observer: ctx.observerHealth(c.name) ?? null,
  };
}

const clusterName = (req: ApiRequest): string => req.params["name"] ?? "";

/** The body of `POST /api/v1/users`. */
export const CreateUserSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._@-]*$", maxLength: 128 }),
    role: stringEnum(roles),
  },
  { additionalProperties: false },
);

/** The body of `POST /api/v1/users/{id}/tokens`. */
export const CreateTokenSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128, default: "api" }) },
  { additionalProperties: false },
);

/** Every admin route, and whoami. */
export const adminRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/whoami",
    summary: "The user the token belongs to",
    tag: "users",
    role: "viewer",
    responses: { 200: { description: "The user", schema: Type.Ref("User") } },
    handler: (req: ApiRequest): Promise<ApiResponse> => Promise.resolve({ status: 200, body: req.user }),
  },
  {
    method: "GET",
    path: "/v1/clusters",
    summary: "The clusters stacks deploy to",
    tag: "clusters",
    role: "admin",
    responses: { 200: { description: "Clusters", schema: Type.Array(Type.Ref("Cluster")) } },
    handler: async (_req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => ({
      status: 200,
      body: (await ctx.store.catalog.listClusters()).map((c) => clusterView(c, ctx)),
    }),
  },
  {
    method: "POST",
    path: "/v1/clusters",
    summary:
      "Add a cluster: direct by its kubeconfig (never shown again), or agent (answers a one-time join token)",
    tag: "clusters",
    role: "admin",
    body: AddClusterSchema,
    responses: {
      201: {
        description: "Added; an agent cluster's answer has its joinToken, shown this once",
        schema: Type.Ref("Cluster"),
      },
      409: problemResponse("A cluster with that name exists"),
      422: problemResponse("Every problem with the body"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const body = req.body as Static<typeof AddClusterSchema>;
      const location = { location: `/api/v1/clusters/${body.name}` };
      if (body.mode === "agent") {
        if (body.kubeconfig !== undefined) {
          throw new HttpProblem("Invalid", "the body is not valid", [
            {
              path: "/kubeconfig",
              message: "an agent cluster takes no kubeconfig: its credentials stay in the cluster",
            },
          ]);
        }
        const added = await ctx.store.agents.addAgentCluster(body.name, body.description, req.user.name);
        return {
          status: 201,
          body: { ...clusterView(added.cluster, ctx), joinToken: added.joinToken },
          headers: { ...location, "cache-control": "no-store" },
        };
      }
      if (body.kubeconfig === undefined) {
        throw new HttpProblem("Invalid", "the body is not valid", [
          {
            path: "/kubeconfig",
            message: "a direct cluster needs its kubeconfig (or add it with mode agent)",
          },
        ]);
      }
      const cluster = await ctx.store.catalog.addCluster(
        { name: body.name, description: body.description, kubeconfig: body.kubeconfig },
        req.user.name,
      );
      return { status: 201, body: clusterView(cluster, ctx), headers: location };
    },
  },
  {
    method: "POST",
    path: "/v1/clusters/{name}/join-token",
    summary:
      "Issue a one-time join token (shown once); a direct cluster becomes an agent cluster, its kubeconfig erased and its stacks left running",
    tag: "clusters",
    role: "admin",
    responses: {
      201: {
        description: "The join token",
        schema: Type.Object({ id: Type.String(), joinToken: Type.String() }),
      },
      404: problemResponse("No such cluster"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const joinToken = await ctx.store.agents.issueJoinToken(clusterName(req), req.user.name);
      return {
        status: 201,
        body: { id: clusterName(req), joinToken },
        headers: { "cache-control": "no-store" },
      };
    },
  },
  {
    method: "DELETE",
    path: "/v1/clusters/{name}/agent-credential",
    summary: "Revoke the agent's credential at once (a new join token lets an agent in again)",
    tag: "clusters",
    role: "admin",
    responses: { 204: { description: "Revoked" }, 404: problemResponse("No such agent cluster") },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      await ctx.store.agents.revoke(clusterName(req), req.user.name);
      return { status: 204 };
    },
  },
  readRoute({
    path: "/v1/users",
    summary: "Every user and their role",
    tag: "users",
    role: "admin",
    description: "Users",
    schema: Type.Array(Type.Ref("User")),
    read: (_req, ctx) => ctx.store.auth.listUsers(),
  }),
  {
    method: "POST",
    path: "/v1/users",
    summary: "Add a user with a role",
    tag: "users",
    role: "admin",
    body: CreateUserSchema,
    responses: {
      201: { description: "Added", schema: Type.Ref("User") },
      409: problemResponse("A user with that name exists"),
      422: problemResponse("Every problem with the body"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const body = req.body as Static<typeof CreateUserSchema>;
      return { status: 201, body: await ctx.store.auth.createUser(body.name, body.role, req.user.name) };
    },
  },
  {
    method: "POST",
    path: "/v1/users/{id}/tokens",
    summary: "Issue a token for a user: it is in this answer and never again",
    tag: "users",
    role: "admin",
    body: CreateTokenSchema,
    responses: {
      201: {
        description: "The token (shown once)",
        schema: Type.Object({ id: Type.String(), token: Type.String() }),
      },
      404: problemResponse("No such user"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const id = req.params["id"] ?? "";
      const user = /^[0-9a-f-]{36}$/i.test(id) ? await ctx.store.auth.getUser(id) : undefined;
      if (!user) throw new HttpProblem("NotFound", `no user with id ${id}`);
      const body = req.body as Static<typeof CreateTokenSchema>;
      const token = await ctx.store.auth.createToken(user.id, body.name, req.user.name);
      return { status: 201, body: token, headers: { "cache-control": "no-store" } };
    },
  },
];
