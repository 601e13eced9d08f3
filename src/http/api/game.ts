/** The game-server routes: where players connect, the server's log (SSE) and its console. */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { Type, type Static } from "@sinclair/typebox";
import type { GameService, LogItem } from "../../controlplane/game/game-service.ts";
import type { PowerAction } from "../../controlplane/game/power-service.ts";
import { maxConsoleCommandBytes } from "../../controlplane/game/console-command.ts";
import { toProblem } from "./problem.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse as problem,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

/** `GET /api/v1/stacks/{id}/logs`. */
export const LogsQuery = Type.Object(
  {
    component: Type.Optional(
      Type.String({ description: "Only the template's game component has a log today." }),
    ),
    container: Type.Optional(Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 })),
    tailLines: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000, description: "Start with the last N lines." }),
    ),
    previous: Type.Optional(
      Type.Boolean({ description: "The last log of the container's previous run (after a crash)." }),
    ),
    follow: Type.Optional(
      Type.Boolean({ description: "Keep streaming new lines, across pod replacements." }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /api/v1/stacks/{id}/console`. */
export const ConsoleBody = Type.Object(
  {
    command: Type.String({
      minLength: 1,
      maxLength: maxConsoleCommandBytes,
      description: `A server command, e.g. "say hello"; at most ${maxConsoleCommandBytes} bytes, no control characters.`,
    }),
  },
  { additionalProperties: false },
);

const game = (ctx: ApiContext): GameService => {
  if (!ctx.game) throw new HttpProblem("Unavailable", "this server was started without cluster access");
  return ctx.game;
};

async function write(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (res.write(text)) return;
  await once(res, "drain", { signal }).catch(() => undefined);
}

/** One SSE frame of a log stream: `event:` line, pod or waiting; `data:` the item as JSON. */
export function logFrame(item: LogItem): string {
  return `event: ${item.type}\ndata: ${JSON.stringify(item)}\n\n`;
}

/**
 * Streams the log as SSE. Refusals found before the first item (no stack,
 * not a game server, nothing running) are answered as problems; a failure
 * after that ends the stream with an `error` event.
 */
async function logs(req: ApiRequest, ctx: ApiContext): Promise<undefined> {
  const q = req.query as Static<typeof LogsQuery>;
  const stop = new AbortController();
  const items = game(ctx).logs(req.params["id"] ?? "", q, stop.signal);
  const first = await items.next().catch((e: unknown) => {
    stop.abort();
    throw e;
  });
  const reply = req.reply.hijack();
  const res = reply.raw;
  ctx.streams.add(stop);
  res.on("close", () => stop.abort());
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const ping = setInterval(() => res.write(": ping\n\n"), ctx.pingMs);
  try {
    if (!first.done) await write(res, logFrame(first.value), stop.signal);
    for await (const item of { [Symbol.asyncIterator]: () => items }) {
      await write(res, logFrame(item), stop.signal);
    }
    if (!stop.signal.aborted) res.write("event: end\ndata: {}\n\n");
  } catch (e: unknown) {
    if (!stop.signal.aborted) {
      const p = toProblem(e);
      res.write(`event: error\ndata: ${JSON.stringify({ status: p.status, detail: p.body.detail })}\n\n`);
    }
  } finally {
    clearInterval(ping);
    ctx.streams.delete(stop);
    stop.abort();
    res.end();
  }
  return undefined;
}

const ConnectionSchema = Type.Object({
  kind: Type.String(),
  addresses: Type.Array(Type.Object({ host: Type.String(), port: Type.Integer(), protocol: Type.String() })),
  hint: Type.Optional(Type.String()),
});

/** `POST …/restart`: an optional message broadcast (`say`) before the pods roll. */
export const PowerBody = Type.Object(
  {
    broadcast: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'Restart only: said first, e.g. "restarting in 60 s".',
      }),
    ),
  },
  { additionalProperties: false },
);

const powerRoute = (action: PowerAction, summary: string): RouteSpec => ({
  method: "POST",
  path: `/v1/stacks/{id}/${action}`,
  summary,
  tag: "game",
  role: "operator",
  body: PowerBody,
  responses: {
    200: { description: "The stack, with its new power", schema: Type.Ref("Stack") },
    404: problem("No such stack"),
    409: problem("Another power action is still running, or a restart of a stopped server"),
    422: problem("Not a game server, or a bad broadcast"),
  },
  handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => ({
    status: 200,
    body: await ctx.power.run(
      req.params["id"] ?? "",
      action,
      req.user.name,
      req.body as Static<typeof PowerBody>,
    ),
  }),
});

/** Every game-server route. */
export const gameRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/stacks/{id}/connection",
    summary: "Where players connect: LoadBalancer ingress, else NodePort on the nodes, else the ClusterIP",
    tag: "game",
    role: "viewer",
    responses: {
      200: { description: "The addresses, with a hint when in-cluster only", schema: ConnectionSchema },
      404: problem("No such stack"),
      422: problem("The stack's template is not a game server"),
      503: problem("The cluster could not be reached"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const { stack } = await ctx.stacks.get(req.params["id"] ?? "");
      const connection = await game(ctx).connection(stack);
      if (!connection)
        throw new HttpProblem("Invalid", `the ${stack.template} template is not a game server`);
      return { status: 200, body: connection };
    },
  },
  {
    method: "GET",
    path: "/v1/stacks/{id}/logs",
    summary:
      "The game server's log (Server-Sent Events: pod, line, waiting, end), following across pod replacements",
    tag: "game",
    role: "viewer",
    tokenInQuery: true,
    query: LogsQuery,
    responses: {
      200: { description: "text/event-stream of pod, line and waiting events", type: "text/event-stream" },
      404: problem("No such stack"),
      409: problem("No running pod (and not following)"),
      422: problem("Bad query, or not a game server"),
    },
    handler: logs,
  },
  powerRoute("stop", "Stops the server: its workloads scale to zero, every volume is kept"),
  powerRoute("start", "Starts a stopped server again"),
  powerRoute("restart", "Rolls the server's pods (after an optional broadcast)"),
  {
    method: "POST",
    path: "/v1/stacks/{id}/console",
    summary: "Runs a server command through the template's console (rcon-cli) and returns its output",
    tag: "game",
    role: "operator",
    body: ConsoleBody,
    responses: {
      200: {
        description: "What the console answered (output is null when the console does not reply)",
        schema: Type.Object({
          command: Type.String(),
          output: Type.Union([Type.String(), Type.Null()]),
          pod: Type.String(),
        }),
      },
      404: problem("No such stack"),
      409: problem("The server has no running pod"),
      422: problem("The command is too long, has control characters, or the template has no console"),
      503: problem("The command could not be run"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => ({
      status: 200,
      body: await game(ctx).console(req.params["id"] ?? "", req.body as { command?: unknown }, req.user.name),
    }),
  },
];
