/**
 * A game server's panel end to end, in a real headless Chromium against the
 * real control plane, operator and sandbox (set up as in ui.e2e.test.ts), with
 * the sandbox's stand-in game log and rcon-cli (docs/sandbox.md): the address
 * is shown, the log follows, a console `say hello` shows up in the log, `list`
 * fills the player list, stop gives zero pods with the volume claim kept and
 * the page showing Stopped, and start brings it back to Ready; backup now is
 * listed with its size, restore of the running server runs stop → restore →
 * start, and a schedule fires within a real minute. The backup Jobs' containers
 * run through the sandbox's job runner (docs/sandbox.md, "Backup Jobs").
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { CoreV1Api } from "@kubernetes/client-node";
import { ClusterClients } from "../controlplane/game/cluster-clients.ts";
import { GameService } from "../controlplane/game/game-service.ts";
import type { Store } from "../controlplane/store/store.ts";
import { KubeClient } from "../kube/client.ts";
import { SandboxJobRunner } from "../sandbox/job-runner.ts";
import { stackBinding } from "../operator/stack/stack-controller.ts";
import { useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { startKindOperator } from "../testing/kind-operator.ts";
import { buildUi, startPanel, type Panel } from "../testing/panel.ts";

const convergeMs = 180_000;

const ns = await useTestNamespace("game-ui");
await startKindOperator(ns, [stackBinding]);
const core = ns.kc.makeApiClient(CoreV1Api);

const ui = buildUi("game-ui");
after(() => ui.dispose());
const volumes = mkdtempSync(join(tmpdir(), "stackwarden-game-volumes-"));
after(() => rmSync(volumes, { recursive: true, force: true }));
const runnerClient = new KubeClient(ns.kc);
const runner = new SandboxJobRunner(runnerClient, { volumesDir: volumes, namespace: ns.namespace });
runner.start();
after(async () => {
  await runner.stop();
  runnerClient.close();
});

describe("a game server's panel in Chromium", () => {
  let panel: Panel;
  let clusters: ClusterClients | undefined;
  let store: Store;
  let url = "";
  let adminToken = "";
  let page: Page;
  let stackId = "";
  let pageErrors: string[] = [];
  const shot = (name: string): Promise<void> => panel.shot(name);
  const pods = async (): Promise<number> =>
    (await core.listNamespacedPod({ namespace: ns.namespace, labelSelector: "stackwarden.dev/stack=arena" }))
      .items.length;

  before(async () => {
    panel = await startPanel({
      kubeconfig: ns.kc,
      uiDir: ui.dir,
      viewport: { width: 1280, height: 1400 },
      http: (store) => {
        clusters = new ClusterClients(store, "local", ns.kc);
        return {
          game: new GameService(store, clusters),
          scheduler: { holder: "game-e2e", tickMs: 1000 },
          backupTiming: { pollMs: 250 },
        };
      },
    });
    ({ store, url, adminToken, page, pageErrors } = panel);
  });

  after(async () => {
    await panel?.close();
    clusters?.close();
  });

  it("shows where players connect and follows the log once the server is Ready", async () => {
    const created = await fetch(`${url}/api/v1/stacks`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        template: "minecraft-java",
        namespace: ns.namespace,
        name: "arena",
        params: { eula: true, memory: "1G", serviceType: "NodePort" },
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    stackId = ((await created.json()) as { id: string }).id;
    await page.goto("/");
    await page.getByLabel("API token").fill(adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Stacks", level: 1 }).waitFor();
    await eventually(
      "the stack to be Ready",
      async () => {
        const r = await fetch(`${url}/api/v1/stacks/${stackId}`, {
          headers: { authorization: `Bearer ${adminToken}` },
        });
        const d = (await r.json()) as { observed: { phase: string | null } | null };
        return d.observed?.phase === "Ready" ? true : undefined;
      },
      { timeoutMs: convergeMs },
    );
    await page.goto(`/stacks/${stackId}`);
    await page.locator(".page-head [data-phase='Ready']").waitFor();
    await page
      .getByTestId("address")
      .filter({ hasText: /^127\.0\.0\.1:3\d{4}$/ })
      .waitFor({ timeout: convergeMs });
    await page.getByTestId("server-readiness").filter({ hasText: "The server is ready" }).waitFor();
    // The sandbox's game servers share one log file (docs/sandbox.md): its last lines, from this pod.
    await page.getByTestId("log-status").filter({ hasText: "live · arena-0" }).waitFor();
    await page.getByTestId("log-lines").filter({ hasText: "[Server thread/INFO]" }).waitFor();
    await shot("game-01-ready");
  });

  it("sends say through the console and sees it in the followed log; list fills the player list", async () => {
    const word = `hello-${randomBytes(3).toString("hex")}`;
    await page.getByLabel("Command").fill(`say ${word}`);
    await page.getByRole("button", { name: "Send" }).click();
    await page
      .getByTestId("log-lines")
      .filter({ hasText: `[Rcon] ${word}` })
      .waitFor();
    await page.getByRole("button", { name: "Players" }).click();
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByTestId("players").getByText("Steve").waitFor();
    assert.deepEqual(await page.getByTestId("players").locator("li").allTextContents(), ["Alex", "Steve"]);
    await page.getByTestId("server-readiness").filter({ hasText: "2 of 20 players online" }).waitFor();
    await shot("game-02-console");
  });

  it("stops to zero pods keeping the volume and shows Stopped; starts back to Ready", async () => {
    await page.getByRole("button", { name: "Stop server" }).click();
    await page.locator(".page-head [data-phase='Stopped']").waitFor();
    await eventually("the server's pods to be gone", async () => ((await pods()) === 0 ? true : undefined), {
      timeoutMs: convergeMs,
    });
    const claims = await core.listNamespacedPersistentVolumeClaim({ namespace: ns.namespace });
    assert.equal(claims.items.length, 1, "the world's volume claim is kept");
    await page
      .getByTestId("log-status")
      .filter({ hasText: "waiting for a pod" })
      .waitFor({ timeout: convergeMs });
    await shot("game-03-stopped");
    // The operator must have observed the stop before another power action is accepted.
    await eventually(
      "the stop to be observed",
      async () => {
        const r = await fetch(`${url}/api/v1/stacks/${stackId}`, {
          headers: { authorization: `Bearer ${adminToken}` },
        });
        const d = (await r.json()) as { stack: { generation: number; lastAppliedGeneration: number } };
        return d.stack.lastAppliedGeneration >= d.stack.generation ? true : undefined;
      },
      { timeoutMs: convergeMs },
    );
    await page.reload();
    await page.getByRole("button", { name: "Start server" }).click();
    await page.locator(".page-head [data-phase='Ready']").waitFor({ timeout: convergeMs });
    await eventually("the server's pod to run again", async () => ((await pods()) === 1 ? true : undefined), {
      timeoutMs: convergeMs,
    });
    await page
      .getByTestId("server-readiness")
      .filter({ hasText: "The server is ready" })
      .waitFor({ timeout: convergeMs });
    await shot("game-04-started");
    assert.deepEqual(pageErrors, []);
  });

  const eventTypes = async (): Promise<string[]> =>
    (await store.events({ stackId, limit: 200 })).map((e) => e.type).reverse();

  it("backs up now, listed with its size; restores the running server as stop → restore → start", async () => {
    mkdirSync(join(runner.claimDir("data-arena-0"), "world"), { recursive: true });
    writeFileSync(join(runner.claimDir("data-arena-0"), "world", "level.dat"), "the arena");
    page.on("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Back up now" }).click();
    await page.getByTestId("backup-status").filter({ hasText: "Completed" }).waitFor({ timeout: convergeMs });
    const size = await page.getByTestId("backup-size").first().textContent();
    assert.match(size ?? "", /^\d+(\.\d)? (B|KiB)$/, `the size is shown: ${size}`);
    await shot("game-05-backup");

    writeFileSync(join(runner.claimDir("data-arena-0"), "world", "level.dat"), "griefed");
    const before = (await eventTypes()).length;
    await page.getByRole("button", { name: "Restore" }).click();
    await eventually(
      "stop → restore → start",
      async () => {
        const steps = (await eventTypes())
          .slice(before)
          .filter((t) => ["RestoreStarted", "StackStopped", "BackupRestored", "StackStarted"].includes(t));
        return steps.length === 4 ? steps : undefined;
      },
      { timeoutMs: convergeMs },
    ).then((steps) =>
      assert.deepEqual(steps, ["RestoreStarted", "StackStopped", "BackupRestored", "StackStarted"]),
    );
    assert.equal(
      readFileSync(join(runner.claimDir("data-arena-0"), "world", "level.dat"), "utf8"),
      "the arena",
    );
    await page.reload();
    await page.locator(".page-head [data-phase='Ready']").waitFor({ timeout: convergeMs });
    await shot("game-06-restored");
  });

  it("fires a schedule on time: a console command every minute shows in the log within a minute", async () => {
    const word = `scheduled-${randomBytes(3).toString("hex")}`;
    await page.getByLabel("Schedule action", { exact: true }).selectOption("command");
    await page.getByLabel("Schedule cron", { exact: true }).fill("* * * * *");
    await page.getByLabel("Scheduled command", { exact: true }).fill(`say ${word}`);
    await page.getByRole("button", { name: "Add schedule" }).click();
    await page.getByTestId("schedule-row").filter({ hasText: word }).waitFor();
    await page
      .getByTestId("log-lines")
      .filter({ hasText: `[Rcon] ${word}` })
      .waitFor({ timeout: 75_000 });
    const runs = await store.events({ stackId, types: ["ScheduleRun"], limit: 5 });
    assert.equal(runs[0]?.data["outcome"], "ran");
    await shot("game-07-schedule");
    assert.deepEqual(pageErrors, []);
  });
});
