import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends } from "../../testing/databases.ts";
import { startTestApi, stackBody } from "../test-api.ts";

interface Detail {
  resources: Array<{ uid: string; deletedAt: string | null }>;
}

for (const backend of storeBackends) {
  describe(`a stack's object history in the API on ${backend.name}`, () => {
    it("lists live objects, and with history=true the replaced UIDs too", async () => {
      const api = await startTestApi(await backend.open());
      const created = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody("hist") });
      const { id } = created.json<{ id: string }>();
      const service = {
        apiVersion: "v1",
        kind: "Service",
        namespace: "games",
        name: "hist",
        component: "service",
        health: "Healthy",
      };
      await api.store.observed.syncResources(id, [{ ...service, uid: "old-uid" }]);
      await api.store.observed.syncResources(id, [{ ...service, uid: "new-uid" }]);

      const live = await api.call("GET", `/api/v1/stacks/${id}`, { as: "viewer" });
      assert.deepEqual(
        live.json<Detail>().resources.map((r) => r.uid),
        ["new-uid"],
      );
      const all = await api.call("GET", `/api/v1/stacks/${id}?history=true`, { as: "viewer" });
      assert.deepEqual(
        all
          .json<Detail>()
          .resources.map((r) => [r.uid, r.deletedAt !== null])
          .sort(),
        [
          ["new-uid", false],
          ["old-uid", true],
        ],
      );
      const bad = await api.call("GET", `/api/v1/stacks/${id}?history=maybe`, { as: "viewer" });
      assert.ok(bad.statusCode === 400 || bad.statusCode === 422, bad.body);
      assert.match(bad.body, /history/);
    });
  });
}
