/**
 * A throwaway PostgreSQL server for tests and benchmarks, run from the
 * machine's PostgreSQL binaries (Debian's `postgresql` package: CI installs
 * it). The data folder lives under the OS temp folder and is removed on
 * {@link PostgresServer.destroy}. Run as root, the server runs as the
 * `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePorts } from "../sandbox/ports.ts";

export interface PostgresServer {
  /** A connection URL for `database` (default `postgres`). */
  url(database?: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected); the data stays. */
  stop(): void;
  /** Starts it again on the same port and data. */
  start(): void;
  /** Stops it and removes its data. */
  destroy(): void;
}

/** The folder holding `initdb` and `pg_ctl`: PG_BIN, else the newest under /usr/lib/postgresql. */
export function postgresBinDir(): string {
  const given = process.env.PG_BIN;
  if (given) return given;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "pg_ctl")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error(
      "PostgreSQL's server binaries were not found under /usr/lib/postgresql (install the postgresql package, or set PG_BIN)",
    );
  }
  return join(root, versions[0], "bin");
}

const asRoot = process.getuid?.() === 0;

function run(binary: string, args: string[]): void {
  const [command, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, args];
  const result = spawnSync(command, argv, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${binary} ${args.join(" ")} failed: ${result.stderr || result.stdout}`);
  }
}

/** Creates, configures and starts a server on a free loopback port, with trust authentication. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "stackwarden-pg-"));
  if (asRoot) execFileSync("chown", ["postgres", dir]);
  const data = join(dir, "data");
  const [port] = await freePorts(1);
  run(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--no-instructions",
  ]);
  const conf = join(data, "postgresql.auto.conf");
  writeFileSync(
    conf,
    [
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      `max_connections = 300`,
      `fsync = off`,
      `synchronous_commit = off`,
      `full_page_writes = off`,
      "",
    ].join("\n"),
  );
  if (asRoot) chownSync(conf, uidOf("postgres"), gidOf("postgres"));
  const pgCtl = join(bin, "pg_ctl");
  const start = (): void => run(pgCtl, ["-D", data, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
  const stop = (): void => run(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
  start();
  const url = (database = "postgres"): string => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  let count = 0;
  return {
    url,
    async createDatabase(prefix = "test") {
      const name = `${prefix.replace(/[^a-z0-9_]/g, "_")}_${process.pid}_${++count}_${Date.now().toString(36)}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    start,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uidOf(user: string): number {
  return Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
}
