/**
 * The store backends every store test runs on: PGlite (in memory) and a real
 * PostgreSQL server. The server is `STACKWARDEN_TEST_DATABASE_URL` when set
 * (`npm test` starts one for the whole run and sets it), else one started for
 * this test process and removed when it exits. Each `open()` gets a fresh,
 * empty, migrated database of its own.
 */
import { after } from "node:test";
import { openStore, type Store } from "../controlplane/store/store.ts";
import { startPostgresServer, type PostgresServer } from "./postgres-server.ts";
import pg from "pg";

export interface StoreBackend {
  readonly name: "pglite" | "postgres";
  /** A fresh migrated store, closed after the calling file's tests. */
  open(): Promise<Store>;
}

let server: Promise<PostgresServer> | undefined;

function ownServer(): Promise<PostgresServer> {
  server ??= startPostgresServer().then((s) => {
    process.once("exit", () => s.destroy());
    return s;
  });
  return server;
}

/** A URL of a fresh, empty database on the test PostgreSQL server. */
export async function freshPostgresUrl(prefix = "test"): Promise<string> {
  const shared = process.env.STACKWARDEN_TEST_DATABASE_URL;
  if (!shared) return (await ownServer()).createDatabase(prefix);
  const name = `${prefix.replace(/[^a-z0-9_]/g, "_")}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: shared });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return url.toString();
}

function closing(store: Store): Store {
  after(() => store.close());
  return store;
}

/** PGlite and PostgreSQL, for `for (const backend of storeBackends) describe(...)`. */
export const storeBackends: readonly StoreBackend[] = [
  { name: "pglite", open: async () => closing(await openStore({ dataDir: "memory://" })) },
  { name: "postgres", open: async () => closing(await openStore({ url: await freshPostgresUrl() })) },
];
