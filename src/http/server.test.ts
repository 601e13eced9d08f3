import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openStore } from "../controlplane/store/store.ts";
import { storeBackends } from "../testing/databases.ts";
import { startPostgresServer } from "../testing/postgres-server.ts";
import { fastifyPath } from "./api/route.ts";
import { startTestApi, stackBody } from "./test-api.ts";

for (const backend of storeBackends) {
  describe(`HTTP server on ${backend.name}`, () => {
    it("serves probes and metrics with request durations by route and status", async () => {
      let ready = true;
      const api = await startTestApi(await backend.open(), { ready: () => ready });
      assert.equal((await api.app.inject({ url: "/healthz" })).statusCode, 200);
      assert.equal((await api.app.inject({ url: "/livez" })).statusCode, 200);
      assert.equal((await api.app.inject({ url: "/readyz" })).statusCode, 200);
      ready = false;
      assert.equal((await api.app.inject({ url: "/readyz" })).statusCode, 503);
      await api.call("GET", "/api/v1/stacks", { as: "viewer" });
      const metrics = (await api.app.inject({ url: "/metrics" })).body;
      assert.match(
        metrics,
        /stackwarden_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/stacks",status_code="200"\} 1/,
      );
    });

    it("lists every route in the OpenAPI document", async () => {
      const api = await startTestApi(await backend.open());
      const doc = (await api.app.inject({ url: "/api/openapi.json" })).json<{
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      }>();
      assert.equal(doc.openapi, "3.1.0");
      const documented = Object.entries(doc.paths)
        .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${fastifyPath(path)}`))
        .sort();
      const expected = [
        "GET /api/v1/templates",
        "POST /api/v1/templates",
        "GET /api/v1/templates/:name",
        "GET /api/v1/templates/:name/versions/:version",
        "POST /api/v1/stacks",
        "GET /api/v1/stacks",
        "GET /api/v1/stacks/:id",
        "PUT /api/v1/stacks/:id",
        "PATCH /api/v1/stacks/:id",
        "DELETE /api/v1/stacks/:id",
        "POST /api/v1/stacks/:id/pause",
        "POST /api/v1/stacks/:id/resume",
        "POST /api/v1/stacks/:id/reconcile",
        "GET /api/v1/stacks/:id/connection",
        "GET /api/v1/stacks/:id/logs",
        "POST /api/v1/stacks/:id/console",
        "POST /api/v1/stacks/:id/stop",
        "POST /api/v1/stacks/:id/start",
        "POST /api/v1/stacks/:id/restart",
        "GET /api/v1/stacks/:id/backups",
        "POST /api/v1/stacks/:id/backups",
        "DELETE /api/v1/stacks/:id/backups/:backupId",
        "POST /api/v1/stacks/:id/backups/:backupId/restore",
        "GET /api/v1/backup-targets",
        "POST /api/v1/backup-targets",
        "DELETE /api/v1/backup-targets/:name",
        "GET /api/v1/stacks/:id/schedules",
        "POST /api/v1/stacks/:id/schedules",
        "DELETE /api/v1/stacks/:id/schedules/:scheduleId",
        "GET /api/v1/events",
        "GET /api/v1/stacks/:id/events",
        "GET /api/v1/events/stream",
        "GET /api/v1/stacks/:id/events/stream",
        "GET /api/v1/clusters",
        "POST /api/v1/clusters",
        "POST /api/v1/clusters/:name/join-token",
        "DELETE /api/v1/clusters/:name/agent-credential",
        "POST /api/v1/agent/join",
        "GET /api/v1/agent/clusters/:cluster/desired",
        "POST /api/v1/agent/clusters/:cluster/observations",
        "POST /api/v1/agent/clusters/:cluster/report",
        "POST /api/v1/agent/clusters/:cluster/credential",
        "GET /api/v1/users",
        "POST /api/v1/users",
        "POST /api/v1/users/:id/tokens",
        "GET /api/v1/whoami",
        "GET /api/openapi.json",
      ].sort();
      assert.deepEqual(documented, expected);
      for (const route of expected) {
        const [method, url] = route.split(" ") as [string, string];
        const found = api.app.hasRoute({ method: method, url });
        assert.ok(found, `${route} is registered`);
      }
    });

    it("admins add template versions, clusters and users; a kubeconfig is never echoed", async () => {
      const api = await startTestApi(await backend.open());
      const tpl = await api.call("POST", "/api/v1/templates", {
        body: {
          name: "small-java",
          version: "1.0.0",
          baseName: "minecraft-java",
          paramSchema: { properties: { maxPlayers: { maximum: 10 } } },
          defaults: { motd: "small" },
        },
      });
      assert.equal(tpl.statusCode, 201, tpl.body);
      const before = await api.counts();
      for (const [body, status] of [
        [{ name: "x", version: "1", baseName: "terraria" }, 422],
        [{ name: "x", version: "1", paramSchema: { type: "nonsense" }, baseName: "minecraft-java" }, 422],
        [
          {
            name: "x",
            version: "1",
            baseName: "minecraft-java",
            guardrails: { immutable: [], adoptable: [] },
          },
          422,
        ],
        [{ name: "small-java", version: "1.0.0" }, 409],
      ] as const) {
        const r = await api.call("POST", "/api/v1/templates", { body });
        assert.equal(r.statusCode, status, r.body);
      }
      assert.deepEqual(await api.counts(), before);
      const tooMany = await api.call("POST", "/api/v1/stacks", {
        as: "operator",
        body: stackBody("s", { template: "small-java", params: { eula: true, maxPlayers: 50 } }),
      });
      assert.equal(tooMany.statusCode, 422);
      const made = await api.call("POST", "/api/v1/stacks", {
        as: "operator",
        body: stackBody("s", { template: "small-java" }),
      });
      assert.equal(made.json<{ params: { motd: string } }>().params.motd, "small");
      const versions = await api.call("GET", "/api/v1/templates/small-java", { as: "viewer" });
      assert.equal(versions.json<{ versions: unknown[] }>().versions.length, 1);
      assert.equal((await api.call("GET", "/api/v1/templates/nope", { as: "viewer" })).statusCode, 404);
      const v = await api.call("GET", "/api/v1/templates/minecraft-java/versions/1.0.0", { as: "viewer" });
      assert.equal(v.statusCode, 200);

      const secret = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: very-secret-value}}]";
      const cluster = await api.call("POST", "/api/v1/clusters", {
        body: { name: "edge", kubeconfig: secret },
      });
      assert.equal(cluster.statusCode, 201, cluster.body);
      const listed = await api.call("GET", "/api/v1/clusters");
      for (const r of [cluster, listed]) assert.doesNotMatch(r.body, /very-secret-value|kubeconfig"/);
      const bad = await api.call("POST", "/api/v1/clusters", {
        body: { name: "Bad Name", kubeconfig: secret },
      });
      assert.equal(bad.statusCode, 422);
      assert.doesNotMatch(bad.body, /very-secret-value/);

      const user = await api.call("POST", "/api/v1/users", { body: { name: "dana", role: "operator" } });
      const id = user.json<{ id: string }>().id;
      const token = await api.call("POST", `/api/v1/users/${id}/tokens`, { body: { name: "ci" } });
      assert.equal(token.statusCode, 201);
      const who = await api.app.inject({
        url: "/api/v1/whoami",
        headers: { authorization: `Bearer ${token.json<{ token: string }>().token}` },
      });
      const me = who.json<{ name: string; role: string }>();
      assert.deepEqual([me.name, me.role], ["dana", "operator"]);
      assert.doesNotMatch((await api.call("GET", "/api/v1/users")).body, /swt_/);
      assert.equal((await api.call("POST", "/api/v1/users/nope/tokens", { body: {} })).statusCode, 404);
    });

    it("serves the UI with an index.html fallback, and a page saying it is not built", async () => {
      const dir = mkdtempSync(join(tmpdir(), "ui-"));
      after(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, "index.html"), "<html>ui</html>");
      writeFileSync(join(dir, "app.js"), "console.log(1)");
      const api = await startTestApi(await backend.open(), { uiDir: dir });
      assert.equal((await api.app.inject({ url: "/" })).body, "<html>ui</html>");
      assert.match(String((await api.app.inject({ url: "/app.js" })).headers["content-type"]), /javascript/);
      assert.equal((await api.app.inject({ url: "/stacks/abc" })).body, "<html>ui</html>");
      assert.equal((await api.app.inject({ url: "/../../etc/passwd" })).body, "<html>ui</html>");
      assert.equal((await api.app.inject({ url: "/api/v1/nothing" })).statusCode, 404);
      const bare = await startTestApi(await backend.open());
      assert.match((await bare.app.inject({ url: "/" })).body, /not built/);
    });
  });
}

describe("HTTP server while PostgreSQL is stopped", () => {
  it("answers 503 with a clear body, changes nothing, and recovers when it is back", async () => {
    const server = await startPostgresServer();
    after(() => server.destroy());
    const store = await openStore({ url: await server.createDatabase("outage") });
    after(() => store.close());
    const api = await startTestApi(store);
    const first = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody("before") });
    assert.equal(first.statusCode, 201);
    const before = await api.counts();
    server.stop();
    const write = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody("during") });
    assert.equal(write.statusCode, 503);
    assert.match(String(write.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(write.json<{ detail: string }>().detail, "the database is unavailable; nothing was changed");
    assert.ok(Number(write.headers["retry-after"]) > 0);
    assert.equal((await api.app.inject({ url: "/readyz" })).statusCode, 503);
    server.start();
    assert.deepEqual(await api.counts(), before, "nothing changed while it was down");
    const after_ = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody("after") });
    assert.equal(after_.statusCode, 201, after_.body);
    assert.equal((await api.counts()).stacks, before.stacks + 1);
    assert.equal((await api.app.inject({ url: "/readyz" })).statusCode, 200);
  });
});
