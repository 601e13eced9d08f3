/**
 * The history: paged listings of `stack_events` and live Server-Sent Event
 * streams that resume from `Last-Event-ID`.
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { Type, type Static } from "@sinclair/typebox";
import type { StackEvent } from "../../controlplane/store/records.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

/** Paging and filters of the event listings. */
export const ListEventsQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, description: "Older than this id (newest first)." })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: "Newer than this id (oldest first)." })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    type: Type.Optional(Type.String({ description: "Event types, comma-separated." })),
  },
  { additionalProperties: false },
);

/** Where a stream starts: `lastEventId` for EventSource's first connection (it cannot set headers). */
export const StreamQuery = Type.Object(
  { lastEventId: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);

async function list(req: ApiRequest, ctx: ApiContext, stackId?: string): Promise<ApiResponse> {
  const q = req.query as Static<typeof ListEventsQuery>;
  if (q.before !== undefined && q.after !== undefined) {
    throw new HttpProblem("Invalid", "give before or after, not both", [
      { path: "/query/after", message: "cannot be combined with before" },
    ]);
  }
  const types = q.type?.split(",").filter((t) => t.length > 0);
  const items = await ctx.store.events({
    limit: q.limit,
    ...(stackId !== undefined ? { stackId } : {}),
    ...(q.before !== undefined ? { before: q.before } : {}),
    ...(q.after !== undefined ? { after: q.after } : {}),
    ...(types && types.length > 0 ? { types } : {}),
  });
  const ascending = q.after !== undefined;
  const last = items.at(-1)?.id ?? null;
  return {
    status: 200,
    body: {
      items,
      nextBefore: !ascending && items.length === q.limit ? last : null,
      nextAfter: ascending ? (last ?? q.after ?? null) : (items[0]?.id ?? q.before ?? null),
    },
  };
}

async function existing(req: ApiRequest, ctx: ApiContext): Promise<string> {
  const id = req.params["id"] ?? "";
  if (!(await ctx.store.stacks.get(id))) throw new HttpProblem("NotFound", `no stack with id ${id}`);
  return id;
}

/** The stream's start: `Last-Event-ID` (a reconnecting EventSource), else `?lastEventId=`, else now. */
function startAfter(req: ApiRequest): number | undefined {
  const header = req.headers["last-event-id"];
  if (typeof header === "string" && header.trim() !== "") {
    if (!/^\d+$/.test(header.trim())) {
      throw new HttpProblem("BadRequest", "Last-Event-ID must be an event id (a whole number)");
    }
    return Number(header.trim());
  }
  const q = req.query as Static<typeof StreamQuery>;
  return q.lastEventId;
}

/** Writes, waiting for the socket to drain so a slow client backs up into the feed (which ends it). */
async function write(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (res.write(text)) return;
  await once(res, "drain", { signal }).catch(() => undefined);
}

/** One SSE frame: `id:` the event id, `event:` its type, `data:` the event as JSON. */
export function sseFrame(e: StackEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

async function stream(req: ApiRequest, ctx: ApiContext, stackId?: string): Promise<undefined> {
  // "From now on" is fixed before the response's headers go out: a client that reads its state
  // (the stack list) once the stream has answered then misses nothing between the two.
  const after = startAfter(req) ?? (await ctx.store.lastEventId());
  const reply = req.reply.hijack();
  const res = reply.raw;
  const stop = new AbortController();
  ctx.streams.add(stop);
  res.on("close", () => stop.abort());
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
  const ping = setInterval(() => res.write(": ping\n\n"), ctx.pingMs);
  try {
    const events = ctx.feed.subscribe({
      signal: stop.signal,
      after,
      ...(stackId !== undefined ? { stackId } : {}),
    });
    for await (const e of events) await write(res, sseFrame(e), stop.signal);
  } catch (e: unknown) {
    ctx.log?.warn({ err: e }, "event stream ended by an error");
  } finally {
    clearInterval(ping);
    ctx.streams.delete(stop);
    stop.abort();
    res.end();
  }
  return undefined;
}

const streamDoc = {
  query: StreamQuery,
  headers: [
    {
      name: "Last-Event-ID",
      required: false,
      description: "Resume after this event id (EventSource sends it).",
    },
  ],
  responses: {
    200: {
      description: "text/event-stream: id, event (the type) and data (the event as JSON)",
      type: "text/event-stream",
    },
  },
};

/** Every event route. */
export const eventRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/events",
    summary: "Events of every stack and of the catalog, newest first (or oldest first after `after`)",
    tag: "events",
    role: "viewer",
    query: ListEventsQuery,
    responses: { 200: { description: "A page of events", schema: Type.Ref("EventPage") } },
    handler: (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => list(req, ctx),
  },
  {
    method: "GET",
    path: "/v1/stacks/{id}/events",
    summary: "One stack's events",
    tag: "events",
    role: "viewer",
    query: ListEventsQuery,
    responses: {
      200: { description: "A page of events", schema: Type.Ref("EventPage") },
      404: problemResponse("No such stack"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> =>
      list(req, ctx, await existing(req, ctx)),
  },
  {
    method: "GET",
    path: "/v1/events/stream",
    summary: "Live events of every stack (Server-Sent Events), resuming from Last-Event-ID",
    tag: "events",
    role: "viewer",
    tokenInQuery: true,
    ...streamDoc,
    handler: (req: ApiRequest, ctx: ApiContext): Promise<undefined> => stream(req, ctx),
  },
  {
    method: "GET",
    path: "/v1/stacks/{id}/events/stream",
    summary: "Live events of one stack (Server-Sent Events), resuming from Last-Event-ID",
    tag: "events",
    role: "viewer",
    tokenInQuery: true,
    ...streamDoc,
    responses: { ...streamDoc.responses, 404: problemResponse("No such stack") },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<undefined> =>
      stream(req, ctx, await existing(req, ctx)),
  },
];
