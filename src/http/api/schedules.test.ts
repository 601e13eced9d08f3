import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { openStore } from "../../controlplane/store/store.ts";
import { startTestApi, stackBody } from "../test-api.ts";

const store = await openStore({ dataDir: "memory://" });
after(() => store.close());
const api = await startTestApi(store);
const created = await api.call("POST", "/api/v1/stacks", { as: "operator", body: stackBody("mc") });
assert.equal(created.statusCode, 201, created.body);
const id = created.json<{ id: string }>().id;
const url = `/api/v1/stacks/${id}/schedules`;
const good = { cron: "0 4 * * *", timeZone: "Europe/Berlin", action: "restart" };
const unknown = "00000000-0000-0000-0000-000000000000";
const backup = { ...good, action: "backup" };
const target = await api.call("POST", "/api/v1/backup-targets", {
  as: "admin",
  body: { name: "shared", claim: "shared-backups" },
});
assert.equal(target.statusCode, 201, target.body);

describe("the schedules API", () => {
  it("answers every bad input and too weak role with the right status and field, changing nothing", async () => {
    const cases: Array<
      [
        string,
        "GET" | "POST" | "DELETE",
        string,
        "anonymous" | "viewer" | "operator",
        unknown,
        number,
        string?,
      ]
    > = [
      ["list without a token", "GET", url, "anonymous", undefined, 401],
      ["list as viewer", "GET", url, "viewer", undefined, 403],
      ["create as viewer", "POST", url, "viewer", good, 403],
      ["delete as viewer", "DELETE", `${url}/${unknown}`, "viewer", undefined, 403],
      ["no cron", "POST", url, "operator", { ...good, cron: undefined }, 422, "/cron"],
      ["six fields", "POST", url, "operator", { ...good, cron: "0 0 4 * * *" }, 422, "/cron"],
      ["minute 99", "POST", url, "operator", { ...good, cron: "99 4 * * *" }, 422, "/cron"],
      ["a bad zone", "POST", url, "operator", { ...good, timeZone: "Europe/Atlantis" }, 422, "/timeZone"],
      ["a bad action", "POST", url, "operator", { ...good, action: "reboot" }, 422, "/action"],
      ["a command without text", "POST", url, "operator", { ...good, action: "command" }, 422, "/command"],
      ["a command on a restart", "POST", url, "operator", { ...good, command: "say hi" }, 422, "/command"],
      [
        "a command with a newline",
        "POST",
        url,
        "operator",
        { ...good, action: "command", command: "say a\nop x" },
        422,
        "/command",
      ],
      [
        "a command over 1 KiB",
        "POST",
        url,
        "operator",
        { ...good, action: "command", command: "é".repeat(600) },
        422,
        "/command",
      ],
      ["a bad missed", "POST", url, "operator", { ...good, missed: "catch-up" }, 422, "/missed"],
      ["an unknown target", "POST", url, "operator", { ...backup, target: "nowhere" }, 422, "/target"],
      ["a target that is no name", "POST", url, "operator", { ...backup, target: "No/Name" }, 422, "/target"],
      ["a target on a restart", "POST", url, "operator", { ...good, target: "shared" }, 422, "/target"],
      [
        "keepLast 0",
        "POST",
        url,
        "operator",
        { ...backup, retention: { keepLast: 0 } },
        422,
        "/retention/keepLast",
      ],
      [
        "an unknown retention rule",
        "POST",
        url,
        "operator",
        { ...backup, retention: { keepWeeks: 2 } },
        422,
        "/retention",
      ],
      [
        "retention on a restart",
        "POST",
        url,
        "operator",
        { ...good, retention: { keepLast: 3 } },
        422,
        "/retention",
      ],
      ["an extra field", "POST", url, "operator", { ...good, every: "day" }, 422],
      ["unknown stack", "POST", `/api/v1/stacks/${unknown}/schedules`, "operator", good, 404],
      ["delete unknown schedule", "DELETE", `${url}/${unknown}`, "operator", undefined, 404],
      ["delete malformed id", "DELETE", `${url}/nope`, "operator", undefined, 404],
    ];
    const before = await api.counts();
    for (const [name, method, path, as, body, status, field] of cases) {
      const r = await api.call(method, path, { as, ...(body !== undefined ? { body } : {}) });
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      if (field !== undefined) assert.ok(r.body.includes(`"${field}`), `${name} names ${field}: ${r.body}`);
    }
    assert.deepEqual(await api.counts(), before);
    const list = await api.call("GET", url, { as: "operator" });
    assert.deepEqual(list.json(), { items: [] });
  });

  it("creates, lists and deletes, each change an event with the actor", async () => {
    const r = await api.call("POST", url, {
      as: "operator",
      body: {
        cron: "0  4 * * *",
        timeZone: "Europe/Berlin",
        action: "command",
        command: "say nightly",
        missed: "run-once",
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    const schedule = r.json<{ id: string; cron: string; missed: string; createdBy: string }>();
    assert.equal(schedule.cron, "0 4 * * *");
    assert.equal(schedule.missed, "run-once");
    assert.equal(schedule.createdBy, "operator-user");
    const listed = (await api.call("GET", url, { as: "operator" })).json<{ items: Array<{ id: string }> }>();
    assert.deepEqual(
      listed.items.map((s) => s.id),
      [schedule.id],
    );
    assert.equal((await api.call("DELETE", `${url}/${schedule.id}`, { as: "operator" })).statusCode, 204);
    assert.equal((await api.call("DELETE", `${url}/${schedule.id}`, { as: "operator" })).statusCode, 404);
    const events = await store.events({
      stackId: id,
      types: ["ScheduleCreated", "ScheduleDeleted"],
      limit: 10,
    });
    assert.deepEqual(events.map((e) => [e.type, e.actor]).reverse(), [
      ["ScheduleCreated", "operator-user"],
      ["ScheduleDeleted", "operator-user"],
    ]);
  });

  it("keeps a backup schedule's target and retention, and shows them", async () => {
    const r = await api.call("POST", url, {
      as: "operator",
      body: { ...backup, target: "shared", retention: { keepLast: 7, keepDays: 30 } },
    });
    assert.equal(r.statusCode, 201, r.body);
    const made = r.json<{ id: string; target: string | null; retention: unknown }>();
    assert.deepEqual([made.target, made.retention], ["shared", { keepLast: 7, keepDays: 30 }]);
    const plain = await api.call("POST", url, { as: "operator", body: good });
    assert.equal(plain.statusCode, 201, plain.body);
    const listed = (await api.call("GET", url, { as: "operator" })).json<{
      items: Array<{ id: string; action: string; target: string | null; retention: unknown }>;
    }>();
    assert.deepEqual(
      listed.items.map((s) => [s.action, s.target, s.retention]),
      [
        ["backup", "shared", { keepLast: 7, keepDays: 30 }],
        ["restart", null, null],
      ],
    );
    const events = await store.events({ stackId: id, types: ["ScheduleCreated"], limit: 5 });
    const created = events.find((e) => e.data["scheduleId"] === made.id);
    assert.deepEqual(
      [created?.data["target"], created?.data["retention"]],
      ["shared", { keepLast: 7, keepDays: 30 }],
    );
    for (const s of listed.items) await api.call("DELETE", `${url}/${s.id}`, { as: "operator" });
  });
});
