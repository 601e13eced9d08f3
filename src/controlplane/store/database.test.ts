import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPostgresServer } from "../../testing/postgres-server.ts";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorClassOf } from "../../engine/errors.ts";
import {
  isBusy,
  openDatabase,
  pgliteStartParams,
  StoreBusyError,
  StoreUnavailableError,
} from "./database.ts";

/** Resolves once a TCP connection to 127.0.0.1:`port` is refused. */
function refused(port: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    socket.once("error", () => resolve());
    socket.once("connect", () => {
      socket.destroy();
      reject(new Error(`the server on port ${port} still accepts connections`));
    });
  });
}

describe("the PostgreSQL connection", () => {
  it("survives the server going away in the middle of a transaction, and reports the store unavailable", async () => {
    const server = await startPostgresServer();
    after(() => server.destroy());
    const db = await openDatabase({ url: await server.createDatabase("outage") });
    after(() => db.close().catch(() => undefined));
    const outcome = db.transaction(async (tx) => {
      await tx.query("SELECT 1");
      // Between two statements, with the client checked out: the server stops. A new connection
      // being refused is the proof it is gone (its closing of this client's socket was read first).
      server.stop();
      await refused(new URL(server.url()).port);
      await tx.query("SELECT 2");
    });
    await assert.rejects(outcome, (e: unknown) => e instanceof StoreUnavailableError);
    server.start();
    assert.deepEqual(await db.query<{ n: number }>("SELECT 3 AS n"), [{ n: 3 }]);
  });
});

describe("database errors a retry can clear", () => {
  const cases: Array<[string | undefined, boolean]> = [
    ["40001", true], // serialization failure
    ["40P01", true], // deadlock
    ["53300", true], // too many connections
    ["55P03", true], // lock not available
    ["57014", true], // statement cancelled
    ["23505", false], // unique violation: the store's Conflict, not a retry
    ["42P01", false], // undefined table: a bug
    [undefined, false],
  ];
  for (const [code, busy] of cases)
    it(`${code ?? "no code"} is ${busy ? "" : "not "}busy`, () => assert.equal(isBusy(code), busy));

  it("are classed transient, so controllers retry them in seconds, on PGlite as on PostgreSQL", async () => {
    assert.equal(errorClassOf(new StoreUnavailableError("down")), "transient");
    const db = await openDatabase({});
    after(() => db.close());
    await db.exec("CREATE TABLE t (n int)");
    // A deadlock cannot be staged on one PGlite connection; a statement that raises its SQLSTATE can.
    const raised = db.query("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$");
    await assert.rejects(
      raised,
      (e: unknown) => e instanceof StoreBusyError && errorClassOf(e) === "transient",
    );
    const wrong = db.query("SELECT * FROM missing");
    await assert.rejects(
      wrong,
      (e: unknown) => !(e instanceof StoreBusyError) && errorClassOf(e) === "unknown",
    );
  });
});

describe("PGlite's start parameters", () => {
  it("keep PGlite's defaults and hold the buffer pool at 16 MB", async () => {
    assert.deepEqual(pgliteStartParams.slice(0, 6), [
      "--single",
      "-F",
      "-O",
      "-j",
      "-c",
      "search_path=public",
    ]);
    const db = await openDatabase({});
    after(() => db.close());
    const show = async (name: string): Promise<unknown> =>
      (await db.query<Record<string, unknown>>(`SHOW ${name}`))[0]?.[name];
    const settings = {
      shared_buffers: await show("shared_buffers"),
      search_path: await show("search_path"),
      fsync: await show("fsync"),
      max_parallel_workers: await show("max_parallel_workers"),
      exit_on_error: await show("exit_on_error"),
    };
    assert.deepEqual(settings, {
      shared_buffers: "16MB",
      search_path: "public",
      fsync: "off",
      max_parallel_workers: "0",
      exit_on_error: "off",
    });
  });
});

describe("a PGlite folder's first start", () => {
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "stackwarden-pglite-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it("creates the cluster (in a child process), and a later start opens it with what was written", async () => {
    const dataDir = join(folder(), "data");
    const first = await openDatabase({ dataDir });
    assert.ok(existsSync(join(dataDir, "PG_VERSION")));
    await first.exec("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42);");
    await first.close();
    const again = await openDatabase({ dataDir });
    after(() => again.close());
    assert.deepEqual(await again.query("SELECT x FROM kept"), [{ x: 42 }]);
  });

  it("is refused, naming the folder, when the cluster cannot be created there", async () => {
    const dataDir = folder();
    writeFileSync(join(dataDir, "base"), "a file where Postgres puts a folder");
    await assert.rejects(openDatabase({ dataDir }), (e: Error) => {
      assert.match(e.message, new RegExp(`creating the PGlite database in ${dataDir} failed`));
      return true;
    });
  });
});
