import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { storeBackends } from "../../testing/databases.ts";
import { migrate } from "./migrations.ts";
import { StoreError } from "./errors.ts";
import { KubeconfigKeyring } from "./kubeconfig-keyring.ts";
import { Store } from "./store.ts";

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
        [1, 2, 3, 4, 5, 6, 7],
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
      // A claim that lapsed a second ago (no waiting on the clock for one to lapse) goes to the next holder.
      assert.equal(await store.work.claim(stack.id, "two", -1000), true);
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

    it("writes an observation's rows and events in one transaction: a failure between them leaves both unwritten", async () => {
      const store = await backend.open();
      await seeded(store);
      const { stack } = await store.stacks.create(newStack("obs"), "alice");
      const service = {
        apiVersion: "v1",
        kind: "Service",
        namespace: "games",
        name: "obs",
        component: "server",
      };
      const pass = (uid: string): Parameters<Store["recordObservation"]>[0] => ({
        stackId: stack.id,
        seen: [{ ...service, uid, health: "Healthy" }],
        observed: {
          stackId: stack.id,
          phase: uid,
          observedGeneration: 1,
          resourceGeneration: 1,
          conditions: [],
          components: [],
          ready: "1/1",
          message: "",
        },
        summary: "Healthy",
        events: ({ added, removed }) => [
          ...removed.map((r) => ({
            stackId: stack.id,
            source: "k8s_watch" as const,
            type: "ResourceDeletedExternally" as const,
            actor: "k8s_watch",
            data: { uid: r.uid },
          })),
          ...added.map((a) => ({
            stackId: stack.id,
            source: "k8s_watch" as const,
            type: "ResourceCreated" as const,
            actor: "k8s_watch",
            data: { uid: a.uid },
          })),
        ],
      });
      const observedEvents = async (): Promise<string[]> =>
        (await store.events({ stackId: stack.id, after: 0, limit: 100 }))
          .filter((e) => e.source === "k8s_watch")
          .map((e) => `${e.type}:${String(e.data["uid"])}`);
      assert.equal((await store.recordObservation(pass("u1"))).length, 1);

      // The store fails between the rows and the events: a real error raised by the database
      // inside the transaction, after stack_resources, stack_observed and stacks were written.
      await store.db.exec(`
        CREATE FUNCTION test_refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected: the store fails before the events'; END $$;
        CREATE TRIGGER test_refuse_events BEFORE INSERT ON stack_events
          FOR EACH ROW EXECUTE FUNCTION test_refuse_events();`);
      await assert.rejects(store.recordObservation(pass("u2")), /injected/);
      assert.deepEqual(
        (await store.observed.resources(stack.id, true)).map((r) => [r.uid, r.deletedAt]),
        [["u1", null]],
        "the rows are unwritten: u1 still live, u2 unknown",
      );
      assert.equal((await store.observed.observed(stack.id))?.phase, "u1", "the observed cache is unwritten");
      assert.deepEqual(await observedEvents(), ["ResourceCreated:u1"], "the events are unwritten");

      await store.db.exec("DROP TRIGGER test_refuse_events ON stack_events");
      await store.recordObservation(pass("u2"));
      await store.recordObservation(pass("u2"));
      assert.deepEqual(
        await observedEvents(),
        ["ResourceCreated:u1", "ResourceDeletedExternally:u1", "ResourceCreated:u2"],
        "after recovery each event appears exactly once",
      );
      assert.equal((await store.observed.observed(stack.id))?.phase, "u2");
      assert.equal((await store.stacks.get(stack.id))?.statusSummary, "Healthy");
    });

    it("stores kubeconfigs sealed, and re-seals them under a new key (rotation)", async () => {
      const store = await backend.open();
      const key = (byte: number): string => `k${byte}:${Buffer.alloc(32, byte).toString("base64")}`;
      const kubeconfig = "apiVersion: v1\nusers:\n- name: a\n  user: {token: very-secret-token}\n";
      const first = new Store(store.db, KubeconfigKeyring.parse(key(1)));
      await first.catalog.addCluster({ name: "edge", description: "", kubeconfig }, "alice");
      const column = async (): Promise<string> =>
        (
          await store.db.query<{ kubeconfig: string }>("SELECT kubeconfig FROM clusters WHERE name = 'edge'")
        )[0]?.kubeconfig ?? "";
      assert.ok(!(await column()).includes("very-secret-token"), "no plain text in the database");
      assert.equal(KubeconfigKeyring.keyIdOf(await column()), "k1");
      assert.equal(await first.catalog.clusterKubeconfig("edge"), kubeconfig);
      assert.ok(!JSON.stringify(await first.catalog.listClusters()).includes("very-secret-token"));

      // Rotation: k2 first, k1 still there; the restart re-seals under k2; then k1 can go.
      const rotating = new Store(store.db, KubeconfigKeyring.parse(`${key(2)},${key(1)}`));
      assert.deepEqual(await rotating.catalog.resealKubeconfigs(), { resealed: ["edge"], unreadable: [] });
      assert.equal(KubeconfigKeyring.keyIdOf(await column()), "k2");
      const rotated = new Store(store.db, KubeconfigKeyring.parse(key(2)));
      assert.equal(await rotated.catalog.clusterKubeconfig("edge"), kubeconfig);
      await assert.rejects(
        first.catalog.clusterKubeconfig("edge"),
        /sealed with key k2, which is not configured/,
      );

      // A kubeconfig stored before sealing existed is sealed at the next start.
      await store.db.query("UPDATE clusters SET kubeconfig = $1 WHERE name = 'edge'", [kubeconfig]);
      assert.deepEqual(await rotated.catalog.resealKubeconfigs(), { resealed: ["edge"], unreadable: [] });
      assert.equal(KubeconfigKeyring.keyIdOf(await column()), "k2");
      assert.deepEqual(await first.catalog.resealKubeconfigs(), { resealed: [], unreadable: ["edge"] });
      assert.equal(
        await rotated.catalog.clusterKubeconfig("edge"),
        kubeconfig,
        "an unreadable row is left as it was",
      );
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
