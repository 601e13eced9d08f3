import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskedSecret } from "../../resources/secret-params.ts";
import { storeBackends } from "../../testing/databases.ts";
import { startTestApi } from "../test-api.ts";

const password = "correct-horse-battery-staple";

/** The Grafana admin password of a stack as the store holds it (the API never shows it). */
async function stored(api: Awaited<ReturnType<typeof startTestApi>>, id: string): Promise<unknown> {
  const stack = await api.store.stacks.get(id);
  const grafana = (stack?.params["components"] as { grafana?: { adminPassword?: unknown } } | undefined)
    ?.grafana;
  return grafana?.adminPassword;
}

for (const backend of storeBackends) {
  describe(`secret parameters in the API on ${backend.name}`, () => {
    it("are masked in every response, and a mask sent back keeps the stored value", async () => {
      const urls = [
        "POST /api/v1/stacks",
        "GET /api/v1/stacks/{id}",
        "GET /api/v1/stacks",
        "GET /api/v1/stacks/{id}/events",
      ];
      const api = await startTestApi(await backend.open());
      const created = await api.call("POST", "/api/v1/stacks", {
        as: "operator",
        body: {
          template: "observability-platform",
          namespace: "monitoring",
          name: "obs",
          params: { components: { grafana: { enabled: true, version: "11.0.0", adminPassword: password } } },
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { id } = created.json<{ id: string }>();
      const responses = [
        created,
        await api.call("GET", `/api/v1/stacks/${id}`, { as: "viewer" }),
        await api.call("GET", "/api/v1/stacks", { as: "viewer" }),
        await api.call("GET", `/api/v1/stacks/${id}/events`, { as: "viewer" }),
      ];
      responses.forEach((r, i) => assert.ok(!r.body.includes(password), `${urls[i]} leaks the password`));
      assert.ok(created.body.includes(maskedSecret));
      assert.equal(await stored(api, id), password);

      // The panel sends back what it read, with another field changed: the password stays.
      const read = created.json<{ params: Record<string, unknown>; generation: number }>();
      const edited = structuredClone(read.params) as { components: { grafana: Record<string, unknown> } };
      edited.components.grafana["adminUser"] = "root";
      const put = await api.call("PUT", `/api/v1/stacks/${id}`, {
        as: "operator",
        headers: { "if-match": String(read.generation) },
        body: { params: edited },
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.ok(!put.body.includes(password));
      assert.equal(await stored(api, id), password);

      // A new value replaces it.
      const again = await api.call("PATCH", `/api/v1/stacks/${id}`, {
        as: "operator",
        headers: { "if-match": String(read.generation + 1) },
        body: { params: { components: { grafana: { adminPassword: "a-new-one" } } } },
      });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(await stored(api, id), "a-new-one");
    });
  });
}
