import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import { ClusterClients } from "../../controlplane/game/cluster-clients.ts";
import { GameService } from "../../controlplane/game/game-service.ts";
import { openStore } from "../../controlplane/store/store.ts";
import { selectorLabels } from "../../resources/labels.ts";
import { useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { startTestApi, stackBody, type TestApi } from "../test-api.ts";

// The API against the sandbox's real pods/log and pods/exec (docs/sandbox.md, "Logs and exec"). The
// server's pod and Service are made here, as the operator would, so this file needs no operator.
const { kc, namespace } = await useTestNamespace("game-api");
const core = kc.makeApiClient(CoreV1Api);
const store = await openStore({ dataDir: "memory://" });
after(() => store.close());
const clusters = new ClusterClients(store, "local", kc);
after(() => clusters.close());
const api: TestApi = await startTestApi(store, { game: new GameService(store, clusters), pingMs: 60_000 });

async function createStack(name: string, template = "minecraft-java"): Promise<string> {
  const params = template === "minecraft-java" ? { eula: true } : { eula: true };
  const r = await api.call("POST", "/api/v1/stacks", {
    as: "operator",
    body: stackBody(name, { namespace, template, params }),
  });
  assert.equal(r.statusCode, 201, r.body);
  return r.json<{ id: string }>().id;
}

async function runServerPod(stack: string, pod: string): Promise<void> {
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: pod, labels: selectorLabels({ stack, component: "server" }) },
      spec: { containers: [{ name: "server", image: "itzg/minecraft-server" }] },
    },
  });
  await eventually(`pod ${pod} to run`, async () => {
    const p = await core.readNamespacedPod({ name: pod, namespace });
    return p.status?.phase === "Running" ? true : undefined;
  });
}

const id = await createStack("mc");
await core.createNamespacedService({
  namespace,
  body: {
    metadata: { name: "mc" },
    spec: {
      type: "NodePort",
      selector: selectorLabels({ stack: "mc", component: "server" }),
      ports: [{ name: "minecraft", port: 25565, targetPort: "minecraft" }],
    },
  },
});
await runServerPod("mc", "mc-0");

/** The SSE frames of a finished (not followed) log stream. */
function frames(body: string): Array<{ event: string; data: Record<string, unknown> }> {
  return body
    .split("\n\n")
    .filter((f) => f.startsWith("event: "))
    .map((f) => {
      const [e, d] = f.split("\n");
      return { event: e!.slice(7), data: JSON.parse(d!.slice(6)) as Record<string, unknown> };
    });
}

describe("game-server API on the sandbox", () => {
  it("answers every bad input and too weak role with the right status, changing nothing", async () => {
    const other = await createStack("other-game");
    const cases: Array<
      [string, "GET" | "POST", string, "anonymous" | "viewer" | "operator", unknown, number]
    > = [
      ["logs without a token", "GET", `/api/v1/stacks/${id}/logs`, "anonymous", undefined, 401],
      ["connection without a token", "GET", `/api/v1/stacks/${id}/connection`, "anonymous", undefined, 401],
      ["console as viewer", "POST", `/api/v1/stacks/${id}/console`, "viewer", { command: "list" }, 403],
      [
        "console without a token",
        "POST",
        `/api/v1/stacks/${id}/console`,
        "anonymous",
        { command: "list" },
        401,
      ],
      ["a newline", "POST", `/api/v1/stacks/${id}/console`, "operator", { command: "say a\nop me" }, 422],
      [
        "a control character",
        "POST",
        `/api/v1/stacks/${id}/console`,
        "operator",
        { command: "say \u001b" },
        422,
      ],
      ["over 1 KiB", "POST", `/api/v1/stacks/${id}/console`, "operator", { command: "é".repeat(600) }, 422],
      ["empty", "POST", `/api/v1/stacks/${id}/console`, "operator", { command: "" }, 422],
      ["blank", "POST", `/api/v1/stacks/${id}/console`, "operator", { command: "   " }, 422],
      ["no command", "POST", `/api/v1/stacks/${id}/console`, "operator", {}, 422],
      ["a number", "POST", `/api/v1/stacks/${id}/console`, "operator", { command: 7 }, 422],
      ["an extra field", "POST", `/api/v1/stacks/${id}/console`, "operator", { command: "list", x: 1 }, 422],
      [
        "unknown stack console",
        "POST",
        `/api/v1/stacks/${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}/console`,
        "operator",
        { command: "list" },
        404,
      ],
      [
        "unknown stack logs",
        "GET",
        `/api/v1/stacks/${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}/logs`,
        "viewer",
        undefined,
        404,
      ],
      ["negative tail", "GET", `/api/v1/stacks/${id}/logs?tailLines=-1`, "viewer", undefined, 422],
      ["bad container", "GET", `/api/v1/stacks/${id}/logs?container=Not_A_Name`, "viewer", undefined, 422],
      ["unknown query", "GET", `/api/v1/stacks/${id}/logs?since=1`, "viewer", undefined, 422],
      ["no pod to send to", "POST", `/api/v1/stacks/${other}/console`, "operator", { command: "list" }, 409],
      ["no pod to read", "GET", `/api/v1/stacks/${other}/logs`, "viewer", undefined, 409],
    ];
    for (const [name, method, url, as, body, status] of cases) {
      const before = await api.counts();
      const r = await api.call(method, url, { as, ...(body !== undefined ? { body } : {}) });
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      assert.match(String(r.headers["content-type"]), /^application\/problem\+json/, name);
      assert.deepEqual(await api.counts(), before, `${name} changed nothing`);
    }
  });

  it("shows where players connect, in the stack's detail and on its own", async () => {
    const r = await api.call("GET", `/api/v1/stacks/${id}/connection`, { as: "viewer" });
    assert.equal(r.statusCode, 200, r.body);
    const connection = r.json<{ kind: string; addresses: Array<{ host: string; port: number }> }>();
    assert.equal(connection.kind, "NodePort");
    assert.ok(connection.addresses.length > 0);
    assert.equal(connection.addresses[0]?.host, "127.0.0.1");
    assert.ok((connection.addresses[0]?.port ?? 0) >= 30000);
    const detail = await api.call("GET", `/api/v1/stacks/${id}`, { as: "viewer" });
    assert.deepEqual(detail.json<{ connection: unknown }>().connection, connection);
  });

  it("runs console commands through rcon-cli and records who sent what, never the output", async () => {
    const word = `hello-${randomBytes(3).toString("hex")}`;
    const list = await api.call("POST", `/api/v1/stacks/${id}/console`, {
      as: "operator",
      body: { command: "list" },
    });
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json(), {
      command: "list",
      output: "There are 2 of a max of 20 players online: Alex, Steve",
      pod: "mc-0",
    });
    const say = await api.call("POST", `/api/v1/stacks/${id}/console`, {
      as: "operator",
      body: { command: `say ${word}` },
    });
    assert.equal(say.statusCode, 200, say.body);
    const events = await api.call("GET", `/api/v1/stacks/${id}/events?type=ConsoleCommand`, { as: "viewer" });
    const items = events.json<{ items: Array<{ actor: string; data: Record<string, unknown> }> }>().items;
    assert.deepEqual(
      items.map((e) => [e.actor, e.data]),
      [
        ["operator-user", { command: `say ${word}`, pod: "mc-0" }],
        ["operator-user", { command: "list", pod: "mc-0" }],
      ],
    );
    // What was said is in the server's log.
    const log = await api.call("GET", `/api/v1/stacks/${id}/logs?tailLines=20`, { as: "viewer" });
    assert.ok(
      frames(log.body).some(
        (f) => f.event === "line" && f.data["text"] === `[Server thread/INFO]: [Rcon] ${word}`,
      ),
      log.body,
    );
  });

  it("gives the last lines, the previous container's log, and says which pod", async () => {
    const tail = frames(
      (await api.call("GET", `/api/v1/stacks/${id}/logs?tailLines=2`, { as: "viewer" })).body,
    );
    assert.deepEqual(
      tail.map((f) => f.event),
      ["pod", "line", "line", "end"],
    );
    assert.equal(tail[0]?.data["pod"], "mc-0");
    const previous = frames(
      (await api.call("GET", `/api/v1/stacks/${id}/logs?previous=true`, { as: "viewer" })).body,
    );
    assert.ok(previous.some((f) => String(f.data["text"]).includes("OutOfMemoryError")));
  });

  it("follows the log, and goes on with the next pod when the pod is replaced", async () => {
    const address = await api.app.listen({ host: "127.0.0.1", port: 0 });
    const abort = new AbortController();
    const res = await fetch(`${address}/api/v1/stacks/${id}/logs?follow=true&tailLines=0`, {
      headers: { authorization: `Bearer ${api.tokens.viewer}` },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    const seen: string[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) seen.push(decoder.decode(chunk));
    })().catch(() => undefined);
    const text = (): string => seen.join("");
    const word = `follow-${randomBytes(3).toString("hex")}`;
    await eventually(
      "the said line on the followed stream",
      async () => {
        const r = await api.call("POST", `/api/v1/stacks/${id}/console`, {
          as: "operator",
          body: { command: `say ${word}` },
        });
        assert.equal(r.statusCode, 200);
        return text().includes(word) ? true : undefined;
      },
      { intervalMs: 500 },
    );
    await core.deleteNamespacedPod({ name: "mc-0", namespace, gracePeriodSeconds: 0 });
    await runServerPod("mc", "mc-1");
    await eventually("the stream to move to the new pod", () =>
      text().includes('"pod":"mc-1"') ? true : undefined,
    );
    abort.abort();
    await reading;
  });

  it("stops, starts and restarts as desired state, refusing what cannot run now and changing nothing", async () => {
    const power = await createStack("power-game");
    const notGame = await api.call("POST", "/api/v1/stacks", {
      as: "operator",
      body: {
        template: "observability-platform",
        namespace,
        name: "obs",
        params: { components: { prometheus: { version: "v2.48.0" } } },
      },
    });
    assert.equal(notGame.statusCode, 201, notGame.body);
    const refusals: Array<[string, string, "viewer" | "operator", unknown, number]> = [
      ["stop as viewer", `/api/v1/stacks/${power}/stop`, "viewer", undefined, 403],
      [
        "restart of an unknown stack",
        `/api/v1/stacks/${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}/restart`,
        "operator",
        undefined,
        404,
      ],
      ["a broadcast on stop", `/api/v1/stacks/${power}/stop`, "operator", { broadcast: "bye" }, 422],
      [
        "a broadcast with a newline",
        `/api/v1/stacks/${power}/restart`,
        "operator",
        { broadcast: "a\nop me" },
        422,
      ],
      ["an unknown field", `/api/v1/stacks/${power}/start`, "operator", { now: true }, 422],
      [
        "a stack that is no game server",
        `/api/v1/stacks/${notGame.json<{ id: string }>().id}/stop`,
        "operator",
        undefined,
        422,
      ],
    ];
    for (const [name, url, as, body, status] of refusals) {
      const before = await api.counts();
      const r = await api.call("POST", url, { as, ...(body !== undefined ? { body } : {}) });
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      assert.deepEqual(await api.counts(), before, `${name} changed nothing`);
    }

    const stopped = await api.call("POST", `/api/v1/stacks/${power}/stop`, { as: "operator" });
    assert.equal(stopped.statusCode, 200, stopped.body);
    const s = stopped.json<{ power: string; generation: number; powerGeneration: number }>();
    assert.equal(s.power, "Stopped");
    assert.equal(s.powerGeneration, s.generation);
    // The operator has not observed the stop yet: a second action waits.
    const before = await api.counts();
    const again = await api.call("POST", `/api/v1/stacks/${power}/start`, { as: "operator" });
    assert.equal(again.statusCode, 409, again.body);
    assert.deepEqual(await api.counts(), before);
    await store.stacks.markApplied(power, s.generation);
    const restart = await api.call("POST", `/api/v1/stacks/${power}/restart`, { as: "operator" });
    assert.equal(restart.statusCode, 409, "a stopped server is started, not restarted");
    const started = await api.call("POST", `/api/v1/stacks/${power}/start`, { as: "operator" });
    assert.equal(started.json<{ power: string }>().power, "Running");
    const events = await api.call("GET", `/api/v1/stacks/${power}/events?type=StackStopped,StackStarted`, {
      as: "viewer",
    });
    assert.deepEqual(
      events.json<{ items: Array<{ type: string; actor: string }> }>().items.map((e) => [e.type, e.actor]),
      [
        ["StackStarted", "operator-user"],
        ["StackStopped", "operator-user"],
      ],
    );
  });

  it("broadcasts through the console before a restart, and rolls the pods by an annotation", async () => {
    const word = `restarting-${randomBytes(3).toString("hex")}`;
    const r = await api.call("POST", `/api/v1/stacks/${id}/restart`, {
      as: "operator",
      body: { broadcast: word },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.json<{ restartedAt: string }>().restartedAt, /^\d{4}-\d\d-\d\dT/);
    const log = await api.call("GET", `/api/v1/stacks/${id}/logs?tailLines=50`, { as: "viewer" });
    assert.ok(log.body.includes(`[Rcon] ${word}`), "the broadcast reached the server's log");
    const events = await api.call("GET", `/api/v1/stacks/${id}/events?type=ConsoleCommand,StackRestarted`, {
      as: "viewer",
    });
    assert.deepEqual(
      events
        .json<{ items: Array<{ type: string; data: Record<string, unknown> }> }>()
        .items.map((e) => e.type)
        .slice(0, 2),
      ["StackRestarted", "ConsoleCommand"],
    );
  });
});
