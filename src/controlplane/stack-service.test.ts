import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends, type StoreBackend } from "../testing/databases.ts";
import { builtinTemplateRecords } from "./guardrails.ts";
import { ServiceError, StackService, type ServiceErrorCode } from "./stack-service.ts";
import type { Store } from "./store/store.ts";

async function seeded(
  backend: StoreBackend,
): Promise<{ store: Store; service: StackService; notified: string[] }> {
  const store = await backend.open();
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  await store.catalog.ensureCluster("local", "test");
  const notified: string[] = [];
  return { store, service: new StackService(store, (id) => notified.push(id)), notified };
}

const body = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  template: "minecraft-java",
  namespace: "games",
  name: "survival",
  params: { eula: true, maxPlayers: 10 },
  ...overrides,
});

async function refuses(p: Promise<unknown>, code: ServiceErrorCode, paths: string[] = []): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ServiceError, String(e));
    assert.equal(e.code, code, e.message);
    assert.deepEqual(e.problems.map((x) => x.path).sort(), [...paths].sort());
    return true;
  });
}

for (const backend of storeBackends) {
  describe(`stack service on ${backend.name}`, () => {
    it("creates a stack with defaults applied, records the actor and notifies", async () => {
      const { store, service, notified } = await seeded(backend);
      const stack = await service.create(body(), "alice");
      assert.equal(stack.cluster, "local");
      assert.equal(stack.templateVersion, "1.0.0");
      assert.equal(stack.params["difficulty"], "easy");
      assert.deepEqual(stack.drift, { policy: "enforce", ignore: [] });
      assert.deepEqual(notified, [stack.id]);
      const [created] = await store.events({ stackId: stack.id, after: 0, limit: 5 });
      assert.equal(created?.actor, "alice");
    });

    const bad: Array<[string, Record<string, unknown>, ServiceErrorCode, string[]]> = [
      ["unknown template", body({ template: "terraria" }), "NotFound", []],
      ["unknown version", body({ version: "9.9.9" }), "NotFound", []],
      [
        "bad names, params and cluster all at once",
        body({ name: "Bad_Name", namespace: "x".repeat(64), params: { eula: true, maxPlayers: 0 } }),
        "Invalid",
        ["/name", "/namespace"],
      ],
      [
        "params outside the schema and the cluster",
        body({ cluster: "nowhere", params: { eula: true, maxPlayers: 0, memory: "64G", x: 1 } }),
        "Invalid",
        ["/cluster", "/params/maxPlayers", "/params/x"],
      ],
      ["cross-field rules", body({ params: { eula: true, memory: "64G" } }), "Invalid", ["/params/memory"]],
      ["an unknown drift policy", body({ drift: { policy: "fight" } }), "Invalid", ["/drift/policy"]],
    ];
    for (const [name, input, code, paths] of bad) {
      it(`refuses ${name} and changes nothing`, async () => {
        const { store, service, notified } = await seeded(backend);
        const before = await store.lastEventId();
        await refuses(service.create(input, "alice"), code, paths);
        assert.equal(await store.lastEventId(), before);
        assert.deepEqual(notified, []);
      });
    }

    it("refuses a name taken in the same place", async () => {
      const { service } = await seeded(backend);
      await service.create(body(), "alice");
      await refuses(service.create(body(), "bob"), "Conflict");
    });

    it("updates with If-Match, keeps immutable fields and refuses stale generations", async () => {
      const { service } = await seeded(backend);
      const stack = await service.create(body(), "alice");
      await refuses(
        service.update(stack.id, { params: { eula: true } }, undefined, "bob"),
        "PreconditionRequired",
      );
      const updated = await service.update(stack.id, { params: { maxPlayers: 30 } }, 1, "bob", "merge");
      assert.equal(updated.generation, 2);
      assert.equal(updated.params["maxPlayers"], 30);
      assert.equal(updated.updatedBy, "bob");
      await refuses(service.update(stack.id, { params: { eula: true } }, 1, "bob"), "StaleGeneration");
      await refuses(service.update(stack.id, { params: { storage: "20Gi" } }, 2, "bob", "merge"), "Invalid", [
        "/params/storage",
      ]);
      await refuses(service.update(stack.id, { version: "2.0.0" }, 2, "bob"), "NotFound");
      const replaced = await service.update(stack.id, { params: { eula: true } }, 2, "bob");
      assert.equal(replaced.params["maxPlayers"], 20, "PUT replaces params: defaults again");
    });

    it("pauses, resumes, deletes and reconciles, each once", async () => {
      const { store, service, notified } = await seeded(backend);
      const stack = await service.create(body(), "alice");
      assert.equal((await service.pause(stack.id, "bob")).desiredState, "Paused");
      assert.equal((await service.pause(stack.id, "bob")).generation, 2, "pausing twice changes nothing");
      assert.equal((await service.resume(stack.id, "bob", 2)).desiredState, "Active");
      await service.reconcile(stack.id, "carol");
      await refuses(service.pause(stack.id, "bob", 1), "StaleGeneration");
      assert.equal((await service.delete(stack.id, "dave")).desiredState, "Deleted");
      assert.equal((await service.delete(stack.id, "dave")).generation, 4);
      await refuses(service.resume(stack.id, "bob"), "Conflict");
      await refuses(service.pause("00000000-0000-0000-0000-000000000000", "bob"), "NotFound");
      const events = await store.events({ stackId: stack.id, after: 0, limit: 20 });
      assert.deepEqual(
        events.map((e) => [e.type, e.actor]),
        [
          ["StackCreated", "alice"],
          ["StackPaused", "bob"],
          ["StackResumed", "bob"],
          ["ReconcileRequested", "carol"],
          ["StackDeleteRequested", "dave"],
        ],
      );
      assert.equal(notified.length, 5);
      const detail = await service.get(stack.id);
      assert.equal(detail.stack.id, stack.id);
      assert.deepEqual(detail.resources, []);
    });
  });
}
