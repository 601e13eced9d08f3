/**
 * The HTTP server on a fresh seeded store, for the API's tests: the built-in
 * templates, the `local` cluster, and one user with a token per role. Closed
 * after the calling file's tests.
 */
import { after } from "node:test";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { Registry } from "prom-client";
import { EventFeed } from "../controlplane/event-feed.ts";
import { builtinTemplateRecords } from "../controlplane/guardrails.ts";
import type { Role } from "../controlplane/store/records.ts";
import type { Store } from "../controlplane/store/store.ts";
import { createHttpServer, type HttpServerOptions } from "./server.ts";

export interface TestApi {
  readonly store: Store;
  readonly feed: EventFeed;
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly tokens: Readonly<Record<Role, string>>;
  /** Stack ids passed to `notify`, in order. */
  readonly notified: string[];
  /** Sends one request with `as`'s token (none for `anonymous`) and a JSON body when given. */
  call(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    url: string,
    options?: { as?: Role | "anonymous"; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** How many events and stacks the store holds (to check that a refusal changed nothing). */
  counts(): Promise<{ events: number; stacks: number; templates: number; clusters: number; users: number }>;
}

/** Opens `store` behind a server; `extra` overrides server options (e.g. `pingMs`). */
export async function startTestApi(store: Store, extra: Partial<HttpServerOptions> = {}): Promise<TestApi> {
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  await store.catalog.ensureCluster("local", "this machine");
  const tokens = {} as Record<Role, string>;
  for (const role of ["viewer", "operator", "admin"] as const) {
    const user = await store.auth.createUser(`${role}-user`, role, "system");
    tokens[role] = (await store.auth.createToken(user.id, "test", "system")).token;
  }
  const feed = new EventFeed({ store, pollMs: 50 });
  const registry = new Registry();
  const notified: string[] = [];
  const app = createHttpServer({
    store,
    feed,
    registry,
    ready: () => true,
    notify: (id) => notified.push(id),
    ...extra,
  });
  after(async () => {
    await app.close();
    feed.close();
  });
  return {
    store,
    feed,
    app,
    registry,
    tokens,
    notified,
    call: (method, url, options = {}) =>
      app.inject({
        method,
        url,
        headers: {
          ...(options.as !== "anonymous" ? { authorization: `Bearer ${tokens[options.as ?? "admin"]}` } : {}),
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined
          ? { payload: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }
          : {}),
      }),
    async counts() {
      const count = async (table: string): Promise<number> =>
        Number((await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n ?? 0);
      return {
        events: await count("stack_events"),
        stacks: await count("stacks"),
        templates: await count("templates"),
        clusters: await count("clusters"),
        users: await count("users"),
      };
    },
  };
}

/** A create-stack body for `minecraft-java`. */
export function stackBody(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    template: "minecraft-java",
    namespace: "games",
    name,
    params: { eula: true, maxPlayers: 10 },
    ...overrides,
  };
}
