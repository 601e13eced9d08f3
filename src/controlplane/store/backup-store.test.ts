import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends } from "../../testing/databases.ts";
import { seedMinecraftStack } from "../../testing/store-seed.ts";
import { StoreError } from "./errors.ts";
import type { NewEvent } from "./records.ts";

const claim = { run: "r1", worker: "a", leaseMs: 60_000 };

const event = (stackId: string, type: NewEvent["type"]): NewEvent => ({
  stackId,
  source: "user",
  type,
  actor: "alice",
  data: {},
});

for (const backend of storeBackends) {
  describe(`backups in the store on ${backend.name}`, () => {
    it("allows one backup or restore of a stack at a time, and lists live backups newest first", async () => {
      const store = await backend.open();
      const stack = { id: await seedMinecraftStack(store) };
      const begin = (archive: string) =>
        store.backups.begin(
          { stackId: stack.id, targetClaim: "mc-backups", archive, createdBy: "alice" },
          claim,
          () => event(stack.id, "BackupStarted"),
        );
      const first = await begin("a.tar.gz");
      await assert.rejects(
        begin("b.tar.gz"),
        (e: unknown) => e instanceof StoreError && e.code === "Conflict",
      );
      await assert.rejects(
        store.backups.beginRestore(stack.id, first.id, claim, event(stack.id, "RestoreStarted")),
        (e: unknown) => e instanceof StoreError && e.code === "Conflict",
        "a backup still being made is neither restored nor a second started",
      );
      await store.backups.finish(first.id, "a", {
        status: "Completed",
        sizeBytes: 1234,
        events: [event(stack.id, "BackupCompleted")],
      });
      const restoring = await store.backups.beginRestore(
        stack.id,
        first.id,
        claim,
        event(stack.id, "RestoreStarted"),
      );
      assert.equal(restoring.status, "Restoring");
      await assert.rejects(
        begin("c.tar.gz"),
        (e: unknown) => e instanceof StoreError && e.code === "Conflict",
      );
      await store.backups.finish(first.id, "a", { status: "Completed" });
      const second = await begin("d.tar.gz");
      await store.backups.finish(second.id, "a", { status: "Failed", message: "no space" });
      const listed = await store.backups.list(stack.id);
      assert.deepEqual(
        listed.map((b) => [b.archive, b.status, b.sizeBytes]),
        [
          ["d.tar.gz", "Failed", null],
          ["a.tar.gz", "Completed", 1234],
        ],
      );
      assert.ok(listed[1]!.completedAt !== null);
      await store.backups.remove(first.id, event(stack.id, "BackupDeleted"));
      assert.equal(await store.backups.get(stack.id, first.id), undefined);
      assert.equal(await store.backups.get(stack.id, "not-a-uuid"), undefined);
      const types = (await store.events({ stackId: stack.id, limit: 20 })).map((e) => e.type);
      assert.deepEqual(types.slice(0, 5).reverse(), [
        "BackupStarted",
        "BackupCompleted",
        "RestoreStarted",
        "BackupStarted",
        "BackupDeleted",
      ]);
    });

    it("lets exactly one replica adopt a backup whose lease lapsed, and only the holder finish it", async () => {
      const store = await backend.open();
      const stackId = await seedMinecraftStack(store);
      const begin = (leaseMs: number) =>
        store.backups.begin(
          { stackId, targetClaim: "mc-backups", archive: "a.tar.gz", createdBy: "alice" },
          { run: "r1", worker: "dead", leaseMs },
          () => event(stackId, "BackupStarted"),
        );
      const held = await begin(60_000);
      assert.deepEqual(await store.backups.adoptLapsed("b", 60_000), [], "a live lease is not adopted");
      assert.equal(await store.backups.renew(held.id, "dead", 60_000), true);
      await store.backups.finish(held.id, "dead", { status: "Failed", message: "x" });

      const lapsed = await begin(-1);
      const claims = await Promise.all(["b", "c", "d"].map((w) => store.backups.adoptLapsed(w, 60_000)));
      const adopted = claims.flat();
      assert.equal(adopted.length, 1, "one replica adopts it");
      assert.deepEqual([adopted[0]?.backup.id, adopted[0]?.run], [lapsed.id, "r1"]);
      const holder = ["b", "c", "d"][claims.findIndex((c) => c.length === 1)] ?? "";
      assert.equal(await store.backups.renew(lapsed.id, "dead", 60_000), false, "the old holder lost it");
      assert.equal(
        await store.backups.finish(lapsed.id, "dead", {
          status: "Failed",
          events: [event(stackId, "BackupFailed")],
        }),
        false,
        "the old holder's late finish changes nothing",
      );
      assert.equal(
        await store.backups.finish(lapsed.id, holder, {
          status: "Completed",
          sizeBytes: 7,
          events: [event(stackId, "BackupCompleted")],
        }),
        true,
      );
      assert.equal(
        await store.backups.finish(lapsed.id, holder, { status: "Failed" }),
        false,
        "finished once",
      );
      assert.equal((await store.backups.get(stackId, lapsed.id))?.status, "Completed");
      const types = (await store.events({ stackId, limit: 20 })).map((e) => e.type);
      assert.deepEqual(types.filter((t) => t !== "BackupStarted").slice(0, 1), ["BackupCompleted"]);
      assert.ok(!types.includes("BackupFailed"));
    });
  });
}
