import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/** Something that runs SQL: the database, or one transaction on it. */
export interface Sql {
  /** Runs one parameterized statement and returns its rows (int8 columns come back as numbers). */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs several statements with no parameters (migrations). */
  exec(text: string): Promise<void>;
}

/**
 * The store's connection to Postgres: PGlite embedded in a folder, or a real
 * PostgreSQL server. Only `controlplane/store` holds one.
 */
export interface Database extends Sql {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Where the store lives: a PostgreSQL URL, or else a PGlite folder (`memory://` for none). */
export interface DatabaseOptions {
  readonly url?: string;
  readonly dataDir?: string;
}

/**
 * The store could not be reached (connection refused, server shutting down,
 * connection lost). Callers answer 503 and change nothing; the reconciler
 * leaves the cluster alone until the store is back.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  /** Retried soon by any controller whose reconcile meets it. */
  readonly errorClass = "transient";
}

/**
 * A statement the server refused for a reason a retry can clear: a serialization failure or
 * deadlock (SQLSTATE class 40), a lock not available (55P03), a cancelled statement (57014) or too
 * few resources (class 53). Its `errorClass` is `transient`, so a controller retries it in seconds
 * rather than after the two minutes an unclassified error waits; `cause` is the driver's error.
 */
export class StoreBusyError extends Error {
  override readonly name = "StoreBusyError";
  readonly errorClass = "transient";
}

/** True for the SQLSTATEs {@link StoreBusyError} stands for. */
export function isBusy(code: string | undefined): boolean {
  return code !== undefined && (/^(40|53)/.test(code) || code === "55P03" || code === "57014");
}

/** Opens the database `options` name; does not migrate it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return Promise.resolve(openPostgres(options.url));
  const dataDir = options.dataDir ?? "memory://";
  if (!dataDir.startsWith("memory://")) {
    mkdirSync(dataDir, { recursive: true });
    await initialisePglite(dataDir);
  }
  return openPglite(dataDir);
}

/**
 * Creates the Postgres cluster in an empty PGlite folder, in a child process. PGlite's initdb runs
 * Postgres's bootstrap in the WebAssembly memory of the PGlite that opens the folder, and that
 * memory never shrinks: done in the server's own process, a first start stayed about 75 MiB
 * larger for as long as it ran (docs/performance.md). The child exits and takes that memory with it;
 * the server then opens the folder as on any later start. A folder with a cluster is left alone.
 */
async function initialisePglite(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, "PG_VERSION"))) return;
  const script =
    `const { PGlite } = await import(${JSON.stringify(import.meta.resolve("@electric-sql/pglite"))});` +
    `const db = await PGlite.create(${JSON.stringify(dataDir)}, ` +
    `{ startParams: ${JSON.stringify(pgliteStartParams)} });` +
    "await db.close();";
  // The parent's --liftoff-only, if it has it, spares the child V8's optimising compile of PGlite.
  const flags = process.execArgv.filter((f) => f === "--liftoff-only");
  const child = spawn(process.execPath, [...flags, "--input-type=module", "-e", script], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0)
    throw new Error(
      `creating the PGlite database in ${dataDir} failed (exit ${code}): ${stderr.trim().split("\n").slice(-5).join(" ")}`,
    );
}

/**
 * How PGlite's Postgres is started: PGlite's own defaults (0.5.16: single-user mode, no fsync, no
 * parallel workers) and `shared_buffers` at 16 MB instead of Postgres's 128 MB. The buffer pool
 * lives in PGlite's WebAssembly memory, which never shrinks, and the store's working set is a few
 * MB: at 128 MB PGlite alone held about 340 MiB resident after a restart, at 16 MB about 220
 * (docs/performance.md). Passing `startParams` replaces PGlite's defaults, so they are repeated here;
 * database.test.ts checks that they are in force.
 */
export const pgliteStartParams: readonly string[] = [
  "--single",
  "-F",
  "-O",
  "-j",
  ...["search_path=public", "exit_on_error=false", "log_checkpoints=false", "io_method=sync"],
  ...["max_worker_processes=0", "max_parallel_workers=0", "max_parallel_workers_per_gather=0"],
  ...["max_parallel_maintenance_workers=0", "shared_buffers=16MB"],
].flatMap((p) => (p.includes("=") ? ["-c", p] : [p]));

async function openPglite(dataDir: string): Promise<Database> {
  const db = await PGlite.create(dataDir, { startParams: [...pgliteStartParams] });
  const run = (s: Pick<PGlite, "query" | "exec">): Sql => ({
    query: async <R>(text: string, params?: readonly unknown[]) =>
      wrap(async () => (await s.query<R>(text, params ? [...params] : undefined)).rows),
    exec: async (text: string) => void (await wrap(() => s.exec(text))),
  });
  return {
    kind: "pglite",
    ...run(db),
    transaction: (fn) => wrap(() => db.transaction((tx) => fn(run(tx)))),
    close: () => db.close(),
  };
}

/** int8 and numeric-count columns as numbers (ids and generations stay far below 2^53). */
const types = {
  getTypeParser: (oid: number, format?: string): ((value: string) => unknown) =>
    oid === 20 ? Number : (pg.types.getTypeParser(oid, format as "text") as (value: string) => unknown),
};

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, types });
  // An idle client losing its server is reported here; the next query reconnects.
  pool.on("error", () => undefined);
  const run = (c: pg.Pool | pg.PoolClient): Sql => ({
    query: async <R>(text: string, params?: readonly unknown[]) =>
      wrap(async () => (await c.query(text, params ? [...params] : undefined)).rows as R[]),
    exec: async (text: string) => void (await wrap(() => c.query(text))),
  });
  return {
    kind: "postgres",
    ...run(pool),
    transaction: (fn) =>
      wrap(async () => {
        const client = await pool.connect();
        // A server going away while this client is checked out (between two statements) is
        // reported as an 'error' event; without a listener it would crash the process. The next
        // statement fails with it, and the client is discarded instead of going back to the pool.
        let broken: Error | undefined;
        const onError = (e: Error): void => void (broken = e);
        client.on("error", onError);
        try {
          await client.query("BEGIN");
          const result = await fn(run(client));
          await client.query("COMMIT");
          return result;
        } catch (e: unknown) {
          await client.query("ROLLBACK").catch(() => undefined);
          if (broken) throw new StoreUnavailableError("the database is unavailable", { cause: broken });
          throw e;
        } finally {
          client.off("error", onError);
          client.release(broken);
        }
      }),
    close: () => pool.end(),
  };
}

/** SQLSTATE classes and socket errors that mean "the server is not there", not "the query is wrong". */
function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") {
    if (/^(08|57P)/.test(code)) return true; // connection exception, operator intervention
    if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"].includes(code)) {
      return true;
    }
  }
  // node-postgres raises these two without a code; its message is all there is to go on.
  return /Connection terminated|timeout exceeded when trying to connect/i.test(e.message);
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e: unknown) {
    if (e instanceof StoreUnavailableError || e instanceof StoreBusyError) throw e;
    if (isUnavailable(e)) throw new StoreUnavailableError("the database is unavailable", { cause: e });
    const code = (e as { code?: unknown } | null)?.code;
    if (isBusy(typeof code === "string" ? code : undefined)) {
      throw new StoreBusyError(`the database is busy (SQLSTATE ${String(code)})`, { cause: e });
    }
    throw e;
  }
}
