import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends } from "../../testing/databases.ts";
import { seedMinecraftStack } from "../../testing/store-seed.ts";
import { StoreError } from "./errors.ts";
import type { NewEvent } from "./records.ts";

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
          () => event(stack.id, "BackupStarted"),
        );
      const first = await begin("a.tar.gz");
      await assert.rejects(
        begin("b.tar.gz"),
        (e: unknown) => e instanceof StoreError && e.code === "Conflict",
      );
      await assert.rejects(
        store.backups.beginRestore(stack.id, first.id, event(stack.id, "RestoreStarted")),
        (e: unknown) => e instanceof StoreError && e.code === "Conflict",
        "a backup still being made is neither restored nor a second started",
      );
      await store.backups.finish(first.id, {
        status: "Completed",
        sizeBytes: 1234,
        events: [event(stack.id, "BackupCompleted")],
      });
      const restoring = await store.backups.beginRestore(
        stack.id,
        first.id,
        event(stack.id, "RestoreStarted"),
      );
      assert.equal(restoring.status, "Restoring");
      await assert.rejects(
        begin("c.tar.gz"),
        (e: unknown) => e instanceof StoreError && e.code === "Conflict",
      );
      await store.backups.finish(first.id, { status: "Completed" });
      const second = await begin("d.tar.gz");
      await store.backups.finish(second.id, { status: "Failed", message: "no space" });
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
  });
}
