import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends } from "../../testing/databases.ts";
import { startTestApi, stackBody, type TestApi } from "../test-api.ts";

interface ProblemBody {
  status: number;
  title: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
  currentGeneration?: number;
}

async function create(api: TestApi, name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const r = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody(name, overrides) });
  assert.equal(r.statusCode, 201, r.body);
  return r.json<{ id: string }>().id;
}

for (const backend of storeBackends) {
  describe(`stacks API on ${backend.name}`, () => {
    it("answers 401 without or with a wrong token and 403 to a role too weak", async () => {
      const api = await startTestApi(await backend.open());
      const id = await create(api, "roles");
      const cases: Array<
        [string, "GET" | "POST" | "DELETE", string, "anonymous" | "viewer" | "operator", number]
      > = [
        ["no token", "GET", "/api/v1/stacks", "anonymous", 401],
        ["viewer reads", "GET", `/api/v1/stacks/${id}`, "viewer", 200],
        ["viewer pauses", "POST", `/api/v1/stacks/${id}/pause`, "viewer", 403],
        ["viewer deletes", "DELETE", `/api/v1/stacks/${id}`, "viewer", 403],
        ["operator lists clusters", "GET", "/api/v1/clusters", "operator", 403],
        ["operator adds users", "POST", "/api/v1/users", "operator", 403],
        ["viewer streams without a token", "GET", "/api/v1/events/stream", "anonymous", 401],
      ];
      for (const [name, method, url, as, status] of cases) {
        const before = await api.counts();
        const r = await api.call(method, url, {
          as,
          ...(method === "POST" && url.endsWith("users") ? { body: {} } : {}),
        });
        assert.equal(r.statusCode, status, `${name}: ${r.body}`);
        if (status >= 400) {
          assert.match(String(r.headers["content-type"]), /^application\/problem\+json/);
          assert.deepEqual(await api.counts(), before, `${name} changed nothing`);
        }
      }
      const wrong = await api.app.inject({
        method: "GET",
        url: "/api/v1/whoami",
        headers: { authorization: "Bearer swt_not-a-real-token-at-all-xxxxxxxxxxxxxxxx" },
      });
      assert.equal(wrong.statusCode, 401);
      // ?access_token= is for EventSource on the event streams only; elsewhere it is no token at all.
      for (const [method, url] of [
        ["GET", "/api/v1/whoami"],
        ["GET", `/api/v1/stacks/${id}`],
        ["POST", `/api/v1/stacks/${id}/pause`],
        ["DELETE", `/api/v1/stacks/${id}`],
      ] as const) {
        const before = await api.counts();
        const viaQuery = await api.app.inject({ method, url: `${url}?access_token=${api.tokens.admin}` });
        assert.equal(viaQuery.statusCode, 401, `${method} ${url} with ?access_token`);
        assert.deepEqual(await api.counts(), before, `${method} ${url} with ?access_token changed nothing`);
      }
      const before = await api.counts();
      const created = await api.app.inject({
        method: "POST",
        url: `/api/v1/stacks?access_token=${api.tokens.admin}`,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(stackBody("via-query")),
      });
      assert.equal(created.statusCode, 401);
      assert.deepEqual(await api.counts(), before, "a create with ?access_token changed nothing");
      assert.equal((await api.store.stacks.get(id))?.desiredState, "Active");
    });

    it("creates a stack: 201 with Location and ETag, the actor recorded, the reconciler notified", async () => {
      const api = await startTestApi(await backend.open());
      const r = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody("survival") });
      assert.equal(r.statusCode, 201);
      const stack = r.json<{ id: string; generation: number; createdBy: string }>();
      assert.equal(r.headers.location, `/api/v1/stacks/${stack.id}`);
      assert.equal(r.headers.etag, '"1"');
      assert.equal(stack.createdBy, "operator-user");
      assert.deepEqual(api.notified, [stack.id]);
      const got = await api.call("GET", `/api/v1/stacks/${stack.id}`, { as: "viewer" });
      assert.equal(got.statusCode, 200);
      assert.deepEqual(Object.keys(got.json<Record<string, unknown>>()).sort(), [
        "clusterUnreachable",
        "connection",
        "observed",
        "resources",
        "stack",
      ]);
      const events = await api.call("GET", `/api/v1/stacks/${stack.id}/events`, { as: "viewer" });
      const items = events.json<{ items: Array<{ type: string; actor: string }> }>().items;
      assert.deepEqual(
        items.map((e) => [e.type, e.actor]),
        [["StackCreated", "operator-user"]],
      );
    });

    const badInput: Array<{
      name: string;
      body: unknown;
      raw?: { payload: string; type: string };
      status: number;
      paths?: string[];
    }> = [
      {
        name: "params outside the schema and guardrails",
        body: stackBody("x", { params: { eula: false, maxPlayers: 9999, difficulty: "brutal", extra: 1 } }),
        status: 422,
        paths: ["/params/difficulty", "/params/eula", "/params/extra", "/params/maxPlayers"],
      },
      {
        name: "a cross-field rule",
        body: stackBody("x", { params: { eula: true, memory: "64G" } }),
        status: 422,
        paths: ["/params/memory"],
      },
      { name: "a name that is not DNS-1123", body: stackBody("Not_A_Name"), status: 422, paths: ["/name"] },
      { name: "a name too long", body: stackBody("a".repeat(64)), status: 422, paths: ["/name"] },
      {
        name: "an unknown cluster",
        body: stackBody("x", { cluster: "mars" }),
        status: 422,
        paths: ["/cluster"],
      },
      { name: "an unknown template", body: stackBody("x", { template: "terraria" }), status: 404 },
      { name: "an unknown version", body: stackBody("x", { version: "9.9.9" }), status: 404 },
      {
        name: "malformed JSON",
        body: undefined,
        raw: { payload: '{"name": ', type: "application/json" },
        status: 400,
      },
      {
        name: "a wrong content type",
        body: undefined,
        raw: { payload: "name=x", type: "application/x-www-form-urlencoded" },
        status: 415,
      },
      {
        name: "a body over 1 MiB",
        body: undefined,
        raw: {
          payload: JSON.stringify(stackBody("x", { pad: "x".repeat(1024 * 1024) })),
          type: "application/json",
        },
        status: 413,
      },
      { name: "a JSON array", body: [1, 2], status: 422 },
    ];
    for (const c of badInput) {
      it(`refuses ${c.name} with ${c.status} and changes nothing`, async () => {
        const api = await startTestApi(await backend.open());
        const before = await api.counts();
        const r = c.raw
          ? await api.app.inject({
              method: "POST",
              url: "/api/v1/stacks",
              headers: { authorization: `Bearer ${api.tokens.operator}`, "content-type": c.raw.type },
              payload: c.raw.payload,
            })
          : await api.call("POST", "/api/v1/stacks", { as: "operator", body: c.body });
        assert.equal(r.statusCode, c.status, r.body);
        assert.match(String(r.headers["content-type"]), /^application\/problem\+json/);
        const problem = r.json<ProblemBody>();
        assert.equal(problem.status, c.status);
        assert.doesNotMatch(r.body, /at .*\.ts:\d+/, "no stack trace");
        if (c.paths) assert.deepEqual(problem.errors?.map((e) => e.path).sort(), c.paths);
        assert.deepEqual(await api.counts(), before);
        assert.deepEqual(api.notified, []);
      });
    }

    it("updates with If-Match: 428 without, 409 with a stale one, 422 for an immutable field, each changing nothing", async () => {
      const api = await startTestApi(await backend.open());
      const id = await create(api, "upd");
      const patch = (body: unknown, headers: Record<string, string> = {}) =>
        api.call("PATCH", `/api/v1/stacks/${id}`, { as: "operator", body, headers });
      const before = await api.counts();
      assert.equal((await patch({ params: { maxPlayers: 30 } })).statusCode, 428);
      const immutable = await patch({ params: { storage: "99Gi" } }, { "if-match": '"1"' });
      assert.equal(immutable.statusCode, 422);
      assert.deepEqual(
        immutable.json<ProblemBody>().errors?.map((e) => e.path),
        ["/params/storage"],
      );
      assert.equal((await patch({ params: { maxPlayers: 0 } }, { "if-match": '"1"' })).statusCode, 422);
      assert.equal((await patch({ version: "0.0.1" }, { "if-match": '"1"' })).statusCode, 404);
      assert.deepEqual(await api.counts(), before);
      const ok = await patch({ params: { maxPlayers: 30 } }, { "if-match": '"1"' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.headers.etag, '"2"');
      const afterOk = await api.counts();
      const stale = await patch({ params: { maxPlayers: 40 } }, { "if-match": '"1"' });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json<ProblemBody>().currentGeneration, 2);
      const put = await api.call("PUT", `/api/v1/stacks/${id}`, {
        as: "operator",
        body: { params: { eula: true } },
        headers: { "if-match": "1" },
      });
      assert.equal(put.statusCode, 409);
      assert.deepEqual(await api.counts(), afterOk);
      const mergePatch = await api.app.inject({
        method: "PATCH",
        url: `/api/v1/stacks/${id}`,
        headers: {
          authorization: `Bearer ${api.tokens.operator}`,
          "content-type": "application/merge-patch+json",
          "if-match": '"2"',
        },
        payload: JSON.stringify({ params: { motd: "hello" } }),
      });
      assert.equal(mergePatch.statusCode, 200, mergePatch.body);
      assert.equal(mergePatch.json<{ params: { motd: string; maxPlayers: number } }>().params.maxPlayers, 30);
    });

    it("pauses, resumes, reconciles and deletes; an unknown stack is 404", async () => {
      const api = await startTestApi(await backend.open());
      const id = await create(api, "life");
      const post = (verb: string) => api.call("POST", `/api/v1/stacks/${id}/${verb}`, { as: "operator" });
      assert.equal((await post("pause")).json<{ desiredState: string }>().desiredState, "Paused");
      assert.equal((await post("resume")).json<{ desiredState: string }>().desiredState, "Active");
      assert.equal((await post("reconcile")).statusCode, 202);
      const del = await api.call("DELETE", `/api/v1/stacks/${id}`, { as: "operator" });
      assert.equal(del.statusCode, 202);
      assert.equal(del.json<{ desiredState: string }>().desiredState, "Deleted");
      for (const unknown of ["00000000-0000-0000-0000-000000000000", "not-a-uuid"]) {
        assert.equal((await api.call("GET", `/api/v1/stacks/${unknown}`, { as: "viewer" })).statusCode, 404);
        assert.equal(
          (await api.call("POST", `/api/v1/stacks/${unknown}/pause`, { as: "operator" })).statusCode,
          404,
        );
        assert.equal(
          (await api.call("DELETE", `/api/v1/stacks/${unknown}`, { as: "operator" })).statusCode,
          404,
        );
      }
      assert.equal(api.notified.length, 5);
    });

    it("lists with filters and a cursor, every stack exactly once", async () => {
      const api = await startTestApi(await backend.open());
      await api.store.catalog.addCluster({ name: "edge", description: "", kubeconfig: "k" }, "system");
      for (let i = 0; i < 7; i++) await create(api, `alpha-${i}`, { cluster: "local" });
      for (let i = 0; i < 3; i++) await create(api, `beta-${i}`, { cluster: "edge", namespace: "other" });
      const pages = async (query: string): Promise<string[]> => {
        const names: string[] = [];
        let cursor: string | null = null;
        do {
          const r = await api.call("GET", `/api/v1/stacks?${query}${cursor ? `&cursor=${cursor}` : ""}`, {
            as: "viewer",
          });
          assert.equal(r.statusCode, 200, r.body);
          const page = r.json<{ items: Array<{ name: string }>; nextCursor: string | null }>();
          names.push(...page.items.map((s) => s.name));
          cursor = page.nextCursor;
        } while (cursor);
        return names;
      };
      assert.equal((await pages("limit=3")).length, 10);
      assert.deepEqual(await pages("limit=2&cluster=edge"), ["beta-0", "beta-1", "beta-2"]);
      assert.deepEqual(await pages("limit=50&namespace=other&q=beta-1"), ["beta-1"]);
      assert.equal(
        (await pages("template=minecraft-java&desiredState=Active&status=Progressing")).length,
        10,
      );
      assert.deepEqual(await pages("template=nothing"), []);
      for (const bad of ["limit=0", "limit=501", "status=Fine", "cursor=nope", "unknown=1"]) {
        const r = await api.call("GET", `/api/v1/stacks?${bad}`, { as: "viewer" });
        assert.equal(r.statusCode, 422, `${bad}: ${r.body}`);
      }
    });
  });
}
