/**
 * The agent protocol's routes (see src/controlplane/agent/protocol.ts). They
 * take an agent's credential, never a user's token: a credential reaches only
 * its own cluster (403 for any other cluster or for a stack of another
 * cluster), and every request must speak this control plane's protocol.
 */
import { Type, type Static } from "@sinclair/typebox";
import { stringEnum } from "../../api/string-enum.ts";
import { desiredDocument, waitForDesired } from "../../controlplane/agent/desired-document.ts";
import { maxWaitMs, protocolHeader, protocolMismatch } from "../../controlplane/agent/protocol.ts";
import type { AgentObservation } from "../../controlplane/store/agent-store.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

/** The event types an agent may report (what it sees in its cluster; never a user's or a reconciler's decision). */
export const agentEventTypes = [
  "ResourceCreated",
  "ResourceDeletedExternally",
  "ResourceModifiedExternally",
  "DriftCorrected",
  "DriftIgnored",
  "PhaseChanged",
  "KubernetesEvent",
  "ReconcileStarted",
  "ReconcileSucceeded",
  "ReconcileFailed",
] as const;

const Versions = {
  agentVersion: Type.String({ minLength: 1, maxLength: 64 }),
  kubernetesVersion: Type.String({ minLength: 1, maxLength: 64 }),
};
const JoinSchema = Type.Object(
  { joinToken: Type.String({ minLength: 1, maxLength: 200 }), ...Versions },
  { additionalProperties: false },
);
const ReportSchema = Type.Object(Versions, { additionalProperties: false });
const Seq = Type.Integer({ minimum: 1 });
const StackId = Type.String({ pattern: "^[0-9a-f-]{36}$" });
const ObservationSchema = Type.Union([
  Type.Object({
    seq: Seq,
    stackId: StackId,
    kind: Type.Literal("event"),
    type: stringEnum(agentEventTypes),
    actor: Type.String({ minLength: 1, maxLength: 256 }),
    data: Type.Record(Type.String(), Type.Unknown()),
  }),
  Type.Object({
    seq: Seq,
    stackId: StackId,
    kind: Type.Literal("observed"),
    observed: Type.Object({
      phase: Type.Union([Type.String(), Type.Null()]),
      observedGeneration: Type.Union([Type.Integer(), Type.Null()]),
      resourceGeneration: Type.Union([Type.Integer(), Type.Null()]),
      conditions: Type.Array(Type.Record(Type.String(), Type.Unknown())),
      components: Type.Array(Type.Record(Type.String(), Type.Unknown())),
      ready: Type.Union([Type.String(), Type.Null()]),
      message: Type.String(),
    }),
    summary: stringEnum(["Healthy", "Progressing", "Degraded", "Error"] as const),
    seen: Type.Array(
      Type.Object({
        apiVersion: Type.String(),
        kind: Type.String(),
        namespace: Type.String(),
        name: Type.String(),
        uid: Type.String({ minLength: 1 }),
        component: Type.String(),
        health: Type.String(),
      }),
    ),
  }),
  Type.Object({ seq: Seq, stackId: StackId, kind: Type.Literal("applied"), generation: Seq }),
  Type.Object({ seq: Seq, stackId: StackId, kind: Type.Literal("removed") }),
]);
const ObservationsSchema = Type.Object(
  {
    observations: Type.Array(ObservationSchema, { maxItems: 500 }),
    dropped: Type.Optional(Type.Object({ count: Seq, fromSeq: Seq, toSeq: Seq })),
  },
  { additionalProperties: false },
);
const DesiredQuery = Type.Object({
  revision: Type.Optional(Type.String({ maxLength: 64 })),
  waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: maxWaitMs })),
});

function checkProtocol(req: ApiRequest): void {
  const header = req.headers[protocolHeader];
  const mismatch = protocolMismatch(typeof header === "string" ? header : undefined);
  if (mismatch) throw new HttpProblem("BadRequest", mismatch);
}

/** The cluster of the request's agent credential; 401 without a valid one, 403 for another cluster's path. */
async function agentCluster(req: ApiRequest, ctx: ApiContext): Promise<string> {
  checkProtocol(req);
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  const cluster = m?.[1] === undefined ? undefined : await ctx.store.agents.authenticate(m[1]);
  if (cluster === undefined)
    throw new HttpProblem(
      "Unauthorized",
      "send a valid agent credential: Authorization: Bearer <credential>",
    );
  if (req.params["cluster"] !== cluster) {
    throw new HttpProblem(
      "Forbidden",
      `this credential belongs to cluster ${cluster}, not ${req.params["cluster"] ?? ""}`,
    );
  }
  return cluster;
}

const clusterPath = "/v1/agent/clusters/{cluster}";
const tag = "agent";
const auth = {
  401: problemResponse("No valid agent credential"),
  403: problemResponse("The credential belongs to another cluster"),
};

/** Every route of the agent protocol. */
export const agentRoutes: readonly RouteSpec[] = [
  {
    method: "POST",
    path: "/v1/agent/join",
    summary: "Trade a one-time join token for the agent's credential (shown once)",
    tag,
    role: "public",
    body: JoinSchema,
    responses: {
      201: {
        description: "The credential",
        schema: Type.Object({ cluster: Type.String(), credential: Type.String() }),
      },
      400: problemResponse("Another protocol version"),
      401: problemResponse("Unknown or spent join token"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      checkProtocol(req);
      const body = req.body as Static<typeof JoinSchema>;
      const joined = await ctx.store.agents.join(body.joinToken, body);
      if (!joined) throw new HttpProblem("Unauthorized", "the join token is unknown or was already used");
      return { status: 201, body: joined, headers: { "cache-control": "no-store" } };
    },
  },
  {
    method: "GET",
    path: `${clusterPath}/desired`,
    summary: "The cluster's desired stacks; with revision, waits up to waitMs for a change (long poll)",
    tag,
    role: "public",
    query: DesiredQuery,
    responses: { 200: { description: "The desired stacks and their revision" }, ...auth },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const cluster = await agentCluster(req, ctx);
      const q = req.query as Static<typeof DesiredQuery>;
      if (q.revision === undefined) return { status: 200, body: await desiredDocument(ctx.store, cluster) };
      const gone = new AbortController();
      req.raw.raw.once("close", () => gone.abort());
      ctx.streams.add(gone);
      try {
        const doc = await waitForDesired(ctx.store, cluster, q.revision, q.waitMs ?? maxWaitMs, gone.signal);
        return { status: 200, body: doc };
      } finally {
        ctx.streams.delete(gone);
      }
    },
  },
  {
    method: "POST",
    path: `${clusterPath}/observations`,
    summary: "Record numbered observations exactly once; answers the highest number recorded",
    tag,
    role: "public",
    body: ObservationsSchema,
    responses: {
      200: {
        description: "Acknowledged",
        schema: Type.Object({ ack: Type.Integer(), recorded: Type.Integer() }),
      },
      ...auth,
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const cluster = await agentCluster(req, ctx);
      const body = req.body as Static<typeof ObservationsSchema>;
      const observations = body.observations as AgentObservation[];
      const foreign = await ctx.store.agents.foreignStacks(
        cluster,
        observations.map((o) => o.stackId),
      );
      if (foreign.length > 0) {
        throw new HttpProblem("Forbidden", `stack ${foreign[0] ?? ""} is not a stack of cluster ${cluster}`);
      }
      const result = await ctx.store.agents.recordObservations(cluster, observations, body.dropped);
      if (result.recorded > 0 || body.dropped) {
        ctx.store.appended();
        ctx.feed.wake();
      }
      return { status: 200, body: result };
    },
  },
  {
    method: "POST",
    path: `${clusterPath}/report`,
    summary: "Report the agent's and the cluster's versions (also a heartbeat)",
    tag,
    role: "public",
    body: ReportSchema,
    responses: {
      200: {
        description:
          "Recorded; ack: the highest observation number recorded so far (an agent that lost its state numbers on from above it)",
        schema: Type.Object({ ack: Type.Integer() }),
      },
      ...auth,
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const cluster = await agentCluster(req, ctx);
      const ack = await ctx.store.agents.report(cluster, req.body as Static<typeof ReportSchema>);
      return { status: 200, body: { ack } };
    },
  },
  {
    method: "POST",
    path: `${clusterPath}/credential`,
    summary: "Rotate the agent's credential: the new one is in this answer, the old one stops working",
    tag,
    role: "public",
    responses: {
      201: { description: "The new credential", schema: Type.Object({ credential: Type.String() }) },
      ...auth,
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const cluster = await agentCluster(req, ctx);
      const credential = await ctx.store.agents.rotate(cluster);
      return { status: 201, body: { credential }, headers: { "cache-control": "no-store" } };
    },
  },
];
