import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPostgresServer } from "../../testing/postgres-server.ts";
import { connect } from "node:net";
import { openDatabase, StoreUnavailableError } from "./database.ts";

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
