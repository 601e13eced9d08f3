import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { storeBackends } from "../../testing/databases.ts";
import { migrate } from "./migrations.ts";
import { StoreError } from "./errors.ts";
import type { Store } from "./store.ts";

const template = {
  name: "demo",
  version: "1.0.0",
  description: "a demo",
  baseName: "minecraft-java",
  baseVersion: "1.0.0",
  paramSchema: { type: "object" },
  defaults: {},
  guardrails: { immutable: ["/storage"], adoptable: ["/motd"] },
};

async function seeded(store: Store): Promise<void> {
  await store.catalog.ensureCluster("local", "this machine");
  await store.catalog.syncBuiltins([template]);
}

const newStack = (name: string) => ({
  template: "demo",
  templateVersion: "1.0.0",
  cluster: "local",
  namespace: "games",
  name,
  params: { motd: "hi" },
  drift: { policy: "enforce" as const, ignore: [] },
});

for (const backend of storeBackends) {
  describe(`store on ${backend.name}`, () => {
    it("migrates once and is safe to migrate again", async () => {
      const store = await backend.open();
      assert.deepEqual(await migrate(store.db), []);
      const rows = await store.db.query<{ version: number }>("SELECT version FROM schema_migrations");
      assert.deepEqual(
        rows.map((r) => Number(r.version)),
        [1, 2],
      );
    });

    it("writes a desired change, its event and its outbox row together", async () => {
      const store = await backend.open();
      await seeded(store);
      const { stack, event } = await store.stacks.create(newStack("a"), "alice");
      assert.equal(stack.generation, 1);
      assert.equal(event.type, "StackCreated");
      const changed = await store.stacks.change(stack.id, {
        actor: "bob",
        source: "user",
        type: "DesiredChanged",
        expectedGeneration: 1,
        params: { motd: "bye" },
      });
      assert.equal(changed.stack.generation, 2);
      assert.deepEqual(changed.stack.params, { motd: "bye" });
      assert.equal(changed.stack.updatedBy, "bob");
      assert.deepEqual(await store.work.takeOutbox(10), [stack.id]);
      assert.deepEqual(await store.work.takeOutbox(10), []);
      const events = await store.events({ stackId: stack.id, after: 0, limit: 10 });
      assert.deepEqual(
        events.map((e) => [e.type, e.actor, e.data["generation"]]),
        [
          ["StackCreated", "alice", 1],
          ["DesiredChanged", "bob", 2],
        ],
      );
    });

    it("refuses a stale generation and changes nothing", async () => {
      const store = await backend.open();
      await seeded(store);
      const { stack } = await store.stacks.create(newStack("b"), "alice");
      await assert.rejects(
        store.stacks.change(stack.id, {
          actor: "bob",
          source: "user",
          type: "DesiredChanged",
          expectedGeneration: 7,
          params: {},
        }),
        (e: unknown) => e instanceof StoreError && e.code === "StaleGeneration" && e.current === 1,
      );
      assert.deepEqual((await store.stacks.get(stack.id))?.params, { motd: "hi" });
      assert.equal((await store.events({ stackId: stack.id, limit: 10 })).length, 1);
    });

    it("refuses a second live stack with the same name in the same place", async () => {
      const store = await backend.open();
      await seeded(store);
      await store.stacks.create(newStack("c"), "alice");
      await assert.rejects(
        store.stacks.create(newStack("c"), "alice"),
        (e: unknown) => e instanceof StoreError && e.code === "Conflict",
      );
    });

    it("refuses UPDATE, DELETE and TRUNCATE on stack_events", async () => {
      const store = await backend.open();
      await seeded(store);
      await store.stacks.create(newStack("d"), "alice");
      for (const sql of [
        "UPDATE stack_events SET actor = 'mallory'",
        "DELETE FROM stack_events",
        "TRUNCATE stack_events",
      ]) {
        await assert.rejects(store.db.query(sql), /append-only/, sql);
      }
      const events = await store.events({ limit: 100 });
      assert.ok(events.every((e) => e.actor !== "mallory"));
    });

    it("pages through stacks with a cursor, each stack once", async () => {
      const store = await backend.open();
      await seeded(store);
      for (let i = 0; i < 7; i++) await store.stacks.create(newStack(`s${i}`), "alice");
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.stacks.list({ limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((s) => s.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(seen, ["s0", "s1", "s2", "s3", "s4", "s5", "s6"]);
      assert.deepEqual(
        (await store.stacks.list({ limit: 10, nameContains: "s6" })).items.map((s) => s.name),
        ["s6"],
      );
    });

    it("lists each stack with its observed cache, null until first observed", async () => {
      const store = await backend.open();
      await seeded(store);
      const { stack: seen } = await store.stacks.create(newStack("seen"), "alice");
      await store.stacks.create(newStack("unseen"), "alice");
      await store.observed.saveObserved({
        stackId: seen.id,
        phase: "Ready",
        observedGeneration: 1,
        resourceGeneration: 1,
        conditions: [{ type: "Ready", status: "True" }],
        components: [{ name: "server", ready: true }],
        ready: "1/1",
        message: "",
      });
      const { items } = await store.stacks.list({ limit: 10 });
      assert.deepEqual(
        items.map((s) => [s.name, s.observed?.phase ?? null, s.observed?.ready ?? null]),
        [
          ["seen", "Ready", "1/1"],
          ["unseen", null, null],
        ],
      );
      assert.deepEqual(items[0]?.observed?.components, [{ name: "server", ready: true }]);
      assert.ok(!Number.isNaN(Date.parse(items[0]?.observed?.observedAt ?? "")));
    });

    it("hands a stack's claim to one holder until it lapses", async () => {
      const store = await backend.open();
      await seeded(store);
      const { stack } = await store.stacks.create(newStack("e"), "alice");
      assert.equal(await store.work.claim(stack.id, "one", 60_000), true);
      assert.equal(await store.work.claim(stack.id, "two", 60_000), false);
      assert.equal(await store.work.claim(stack.id, "one", 60_000), true);
      await store.work.release(stack.id, "one");
      assert.equal(await store.work.claim(stack.id, "two", 1), true);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await store.work.claim(stack.id, "one", 60_000), true);
    });

    it("keeps resources by UID: a recreated object is removed and added", async () => {
      const store = await backend.open();
      await seeded(store);
      const { stack } = await store.stacks.create(newStack("f"), "alice");
      const obj = {
        apiVersion: "v1",
        kind: "Service",
        namespace: "games",
        name: "f",
        component: "server",
        health: "Healthy",
      };
      const first = await store.observed.syncResources(stack.id, [{ ...obj, uid: "u1" }]);
      assert.deepEqual(
        first.added.map((r) => r.uid),
        ["u1"],
      );
      const second = await store.observed.syncResources(stack.id, [{ ...obj, uid: "u2" }]);
      assert.deepEqual(
        second.added.map((r) => r.uid),
        ["u2"],
      );
      assert.deepEqual(
        second.removed.map((r) => r.uid),
        ["u1"],
      );
      assert.deepEqual(
        (await store.observed.resources(stack.id)).map((r) => r.uid),
        ["u2"],
      );
      assert.equal((await store.observed.resources(stack.id, true)).length, 2);
    });

    it("stores token hashes only and authenticates by token", async () => {
      const store = await backend.open();
      const token = await store.auth.bootstrapAdmin();
      assert.ok(token?.startsWith("swt_"));
      assert.equal(await store.auth.bootstrapAdmin(), undefined);
      const rows = await store.db.query<{ token_hash: string }>("SELECT token_hash FROM api_tokens");
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0]?.token_hash, token);
      assert.ok(!JSON.stringify(rows).includes(token ?? "-"));
      assert.equal((await store.auth.authenticate(token ?? ""))?.role, "admin");
      assert.equal(await store.auth.authenticate("swt_wrong"), undefined);
    });
  });
}

describe("the bootstrap admin token", () => {
  it("may be chosen by the deployer, and must be well formed", async () => {
    const store = await storeBackends[0]!.open();
    await assert.rejects(store.auth.bootstrapAdmin("short"), /swt_/);
    assert.equal(await store.auth.listUsers().then((u) => u.length), 0);
    const given = `swt_${"a".repeat(40)}`;
    assert.equal(await store.auth.bootstrapAdmin(given), given);
    assert.equal((await store.auth.authenticate(given))?.name, "admin");
  });
});
