/**
 * Control plane API benchmark: prints figures, asserts nothing.
 *
 *   npm run bench:api -- --stacks 10000 --clients 200
 *
 * For PostgreSQL (a throwaway server) and PGlite (in memory), each with N stacks:
 * 1. p50/p99 of `GET /api/v1/stacks?limit=50` (walking pages by cursor) and `GET /api/v1/stacks/{id}`,
 *    over real HTTP on 127.0.0.1, one request at a time.
 * 2. Event append rate: events/s appended one per transaction, and in batches of 100.
 * 3. SSE delivery latency to C connected clients: from just before an append to its receipt by
 *    each client (p50/p99), for events this process writes (the store wakes the feed on commit)
 *    and, on PostgreSQL, for events another replica writes (a second store on the same database:
 *    they arrive by the feed's 250 ms poll).
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { Registry } from "prom-client";
import { EventFeed } from "../src/controlplane/event-feed.ts";
import { builtinTemplateRecords } from "../src/controlplane/guardrails.ts";
import { openStore, type Store } from "../src/controlplane/store/store.ts";
import { createHttpServer } from "../src/http/server.ts";
import { startPostgresServer } from "../src/testing/postgres-server.ts";

const { values } = parseArgs({
  options: {
    stacks: { type: "string", default: "10000" },
    clients: { type: "string", default: "200" },
    requests: { type: "string", default: "500" },
  },
});
const stacks = Number(values.stacks);
const clients = Number(values.clients);
const requests = Number(values.requests);

const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

async function seed(store: Store): Promise<string[]> {
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  await store.catalog.ensureCluster("local", "bench");
  const started = performance.now();
  for (let from = 0; from < stacks; from += 5000) {
    const to = Math.min(stacks, from + 5000);
    await store.db.query(
      `INSERT INTO stacks (template, template_version, cluster, namespace, name, params, created_by, updated_by)
       SELECT 'minecraft-java', '1.0.0', 'local', 'ns-' || (g % 20), 'stack-' || g,
              '{"eula": true, "maxPlayers": 20}'::jsonb, 'bench', 'bench'
       FROM generate_series($1::int, $2::int) AS g`,
      [from, to - 1],
    );
  }
  console.log(`  inserted ${stacks} stacks in ${ms(performance.now() - started)}`);
  return (await store.db.query<{ id: string }>("SELECT id FROM stacks")).map((r) => r.id);
}

async function timed(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

function report(name: string, xs: number[]): void {
  console.log(`  ${name}: p50 ${ms(percentile(xs, 50))}, p99 ${ms(percentile(xs, 99))} (n=${xs.length})`);
}

/** Opens an SSE connection and calls `onEvent` with each event's data. */
async function sse(
  url: string,
  token: string,
  signal: AbortSignal,
  onEvent: (data: string) => void,
): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  void (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => undefined);
      if (!chunk || chunk.done) return;
      buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").find((l) => l.startsWith("data: "));
        if (data) onEvent(data.slice(6));
      }
    }
  })();
}

async function bench(name: string, store: Store, otherReplica?: Store): Promise<void> {
  console.log(`\n${name}`);
  const ids = await seed(store);
  const admin = await store.auth.createUser("bench", "admin", "bench");
  const { token } = await store.auth.createToken(admin.id, "bench", "bench");
  const feed = new EventFeed({ store });
  const app = createHttpServer({ store, feed, registry: new Registry(), ready: () => true });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  const headers = { authorization: `Bearer ${token}` };
  try {
    let cursor: string | null = null;
    const list = await timed(requests, async () => {
      const res = await fetch(`${base}/api/v1/stacks?limit=50${cursor ? `&cursor=${cursor}` : ""}`, {
        headers,
      });
      const page = (await res.json()) as { nextCursor: string | null };
      cursor = page.nextCursor;
    });
    report("GET /api/v1/stacks?limit=50", list);
    const get = await timed(requests, async (i) => {
      const res = await fetch(`${base}/api/v1/stacks/${ids[(i * 7919) % ids.length]}`, { headers });
      await res.arrayBuffer();
    });
    report("GET /api/v1/stacks/{id}", get);

    const single = 1000;
    let t = performance.now();
    for (let i = 0; i < single; i++) {
      await store.stacks.record([
        { stackId: null, source: "system", type: "PhaseChanged", actor: "bench", data: { i } },
      ]);
    }
    console.log(
      `  event append, one per transaction: ${Math.round(single / ((performance.now() - t) / 1000))} events/s`,
    );
    const batches = 50;
    t = performance.now();
    for (let b = 0; b < batches; b++) {
      await store.stacks.record(
        Array.from({ length: 100 }, (_, i) => ({
          stackId: null,
          source: "system" as const,
          type: "PhaseChanged" as const,
          actor: "bench",
          data: { b, i },
        })),
      );
    }
    console.log(
      `  event append, batches of 100: ${Math.round((batches * 100) / ((performance.now() - t) / 1000))} events/s`,
    );

    const stop = new AbortController();
    const latencies: { woken: number[]; polled: number[] } = { woken: [], polled: [] };
    let received = 0;
    await Promise.all(
      Array.from({ length: clients }, () =>
        sse(`${base}/api/v1/events/stream`, token, stop.signal, (data) => {
          const e = JSON.parse(data) as { data: { sentAt?: number; mode?: "woken" | "polled" } };
          if (e.data.sentAt === undefined || e.data.mode === undefined) return;
          latencies[e.data.mode].push(performance.timeOrigin + performance.now() - e.data.sentAt);
          received++;
        }),
      ),
    );
    while (feed.subscribers < clients) await sleep(10);
    const modes = otherReplica ? (["woken", "polled"] as const) : (["woken"] as const);
    for (const mode of modes) {
      const writer = mode === "woken" ? store : (otherReplica ?? store);
      for (let i = 0; i < 50; i++) {
        const sentAt = performance.timeOrigin + performance.now();
        await writer.stacks.record([
          { stackId: null, source: "system", type: "PhaseChanged", actor: "bench", data: { sentAt, mode } },
        ]);
        await sleep(mode === "woken" ? 20 : 60);
      }
    }
    const deadline = Date.now() + 10_000;
    while (received < clients * 50 * modes.length && Date.now() < deadline) await sleep(20);
    stop.abort();
    report(`SSE delivery to ${clients} clients, written by this process`, latencies.woken);
    if (otherReplica) {
      report(`SSE delivery to ${clients} clients, written by another replica (poll)`, latencies.polled);
    }
  } finally {
    await app.close();
    feed.close();
    await store.close();
  }
}

const pgServer = await startPostgresServer();
try {
  const url = await pgServer.createDatabase("bench");
  const otherReplica = await openStore({ url });
  try {
    await bench(`PostgreSQL, ${stacks} stacks`, await openStore({ url }), otherReplica);
  } finally {
    await otherReplica.close();
  }
} finally {
  pgServer.destroy();
}
await bench(`PGlite (memory://), ${stacks} stacks`, await openStore({ dataDir: "memory://" }));
