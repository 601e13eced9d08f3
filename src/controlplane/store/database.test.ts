import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPostgresServer } from "../../testing/postgres-server.ts";
import { openDatabase, StoreUnavailableError } from "./database.ts";

describe("the PostgreSQL connection", () => {
  it("survives the server going away in the middle of a transaction, and reports the store unavailable", async () => {
    const server = await startPostgresServer();
    after(() => server.destroy());
    const db = await openDatabase({ url: await server.createDatabase("outage") });
    after(() => db.close().catch(() => undefined));
    const outcome = db.transaction(async (tx) => {
      await tx.query("SELECT 1");
      // Between two statements, with the client checked out: the server stops.
      server.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await tx.query("SELECT 2");
    });
    await assert.rejects(outcome, (e: unknown) => e instanceof StoreUnavailableError);
    server.start();
    assert.deepEqual(await db.query<{ n: number }>("SELECT 3 AS n"), [{ n: 3 }]);
  });
});
