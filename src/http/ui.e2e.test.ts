/**
 * The web UI end to end, in a real headless Chromium (the machine's own, else
 * the one the @sparticuz/chromium devDependency ships; see src/testing/chromium.ts),
 * driven by playwright-core, against the real control plane on the sandbox:
 * the store (PGlite in memory, built-in templates, a first admin), the
 * control plane's reconciler and observers, the event feed and the HTTP
 * server serving the built UI, all in-process as `stackwarden server` wires
 * them, and an operator for this file's namespace so stacks really converge.
 *
 * It signs in, creates a minecraft-java stack from the generated form, sees
 * it reach Ready in the list without a reload, deletes its Service with
 * kubectl and sees the drift appear live on the stack page, edits a param
 * beyond a guardrail and sees the field error, pauses and resumes, and
 * deletes it. Screenshots of each page go to test-results/screenshots/.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { startAgent } from "../controlplane/agent/agent.ts";
import type { Store } from "../controlplane/store/store.ts";
import { createLogger } from "../observability/logger.ts";
import { stackBinding } from "../operator/stack/stack-controller.ts";
import { describeNamespace, testKubectl, useTestNamespace } from "../testing/cluster.ts";
import { startKindOperator } from "../testing/kind-operator.ts";
import { buildUi, startPanel, type Panel } from "../testing/panel.ts";

/** How long a stack may take to converge on the sandbox (KWOK makes pods ready at once; the machine is shared). */
const convergeMs = 180_000;

const ns = await useTestNamespace("ui");
await startKindOperator(ns, [stackBinding]);

const ui = buildUi("ui");
after(() => ui.dispose());

describe("the web UI in Chromium", () => {
  let panel: Panel;
  let store: Store;
  let url = "";
  let adminToken = "";
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];
  const stackName = "survival";
  let stackId = "";
  let serviceName = "";

  const shot = (name: string): Promise<void> => panel.shot(name);
  const explain = (): Promise<string> => describeNamespace(ns.kc, ns.namespace);

  before(async () => {
    panel = await startPanel({ kubeconfig: ns.kc, uiDir: ui.dir });
    ({ store, url, adminToken, browser, page, pageErrors } = panel);
  });

  after(() => panel?.close());

  it("signs in with a token", async () => {
    assert.ok(adminToken, "the store created no first admin token");
    await page.goto("/");
    await page.getByLabel("API token").waitFor();
    await shot("01-sign-in");
    await page.getByLabel("API token").fill("swt_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token was not accepted").waitFor();
    await page.getByLabel("API token").fill(adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Stacks", level: 1 }).waitFor();
    await page.locator("header .role", { hasText: "admin" }).waitFor();
  });

  it("creates a minecraft-java stack from the form generated from its schema", async () => {
    await page.getByRole("link", { name: "New stack" }).first().click();
    await page.getByRole("heading", { name: "New stack" }).waitFor();
    const option = page.locator("#template option", { hasText: /^minecraft-java / });
    await page.locator("#template").selectOption((await option.getAttribute("value")) ?? "");
    // Enums are selects, the EULA an explicit checkbox, numbers carry the schema's range.
    assert.equal(await page.locator("select#param-difficulty").count(), 1);
    assert.equal(await page.locator("#param-maxPlayers").getAttribute("max"), "500");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(stackName);
    await page.getByRole("textbox", { name: "Namespace", exact: true }).fill(ns.namespace);
    await page.getByLabel("Memory").fill("1G");
    await page.getByLabel("Storage").fill("1Gi");
    // Without the EULA the form says so next to the checkbox and sends nothing.
    await page.getByRole("button", { name: "Create stack" }).click();
    await page.locator('[data-field="eula"] .field-error', { hasText: "must be accepted" }).waitFor();
    await shot("02-create-form");
    await page.getByLabel(/I accept the Minecraft EULA/).check();
    await page.getByRole("button", { name: "Create stack" }).click();
    await page.waitForURL(/\/stacks\/[0-9a-f-]+$/);
    stackId = page.url().split("/").pop() ?? "";
    await page.getByRole("heading", { name: stackName, level: 1 }).waitFor();
  });

  it("shows the stack reach Ready in the list, live, without reloading", async () => {
    await page.evaluate("window.notReloaded = true");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Stacks" }).click();
    const row = page.locator(`tr[data-stack="${stackName}"]`);
    await row.waitFor();
    try {
      await row.locator(".phase-cell", { hasText: "Ready" }).waitFor({ timeout: convergeMs });
    } catch (e: unknown) {
      await shot("03-stacks-list-not-ready");
      throw new Error(`the stack did not show Ready\n${await explain()}`, { cause: e });
    }
    assert.match((await row.locator(".ready-cell").textContent()) ?? "", /^\d+\/\d+$/);
    assert.equal(await page.evaluate<boolean>("window.notReloaded === true"), true, "the page was reloaded");
    await shot("03-stacks-list");
  });

  it("shows drift live on the stack page when the Service is deleted with kubectl", async () => {
    await page.locator(`tr[data-stack="${stackName}"] a`).click();
    await page.getByRole("heading", { name: stackName, level: 1 }).waitFor();
    const serviceRow = page.locator('table.resources tr[data-kind="Service"]:not(.gone)');
    await serviceRow.first().waitFor({ timeout: convergeMs });
    serviceName = ((await serviceRow.first().locator("td").first().textContent()) ?? "").trim();
    const uid = (await serviceRow.first().getAttribute("data-uid")) ?? "";
    assert.ok(serviceName && uid, "the Service has no name or UID on the page");
    await page.locator(".component").first().waitFor();
    const deleted = await testKubectl(["delete", "service", serviceName, "-n", ns.namespace, "--wait=false"]);
    assert.equal(deleted.status, 0, deleted.stderr);
    // The timeline streams the drift in; nobody reloads the page.
    await page
      .locator('.timeline li[data-kind="drift"]', { hasText: serviceName })
      .first()
      .waitFor({ timeout: convergeMs });
    await page.locator(".timeline li.event-drift .drift-tag").first().waitFor();
    // The deleted Service stays listed, struck through, under its old UID; the new one is live.
    await page
      .locator(`table.resources tr.gone[data-kind="Service"][data-uid="${uid}"]`)
      .waitFor({ timeout: convergeMs });
    await page
      .locator(`table.resources tr[data-kind="Service"]:not(.gone):not([data-uid="${uid}"])`)
      .first()
      .waitFor({ timeout: convergeMs });
    await shot("04-stack-drift");
  });

  it("shows the server's guardrail error next to the field it names", async () => {
    const memory = page.locator("#edit-memory");
    await memory.fill("32G"); // well-formed, but beyond the 512M–16G guardrail the server checks
    await page.getByRole("button", { name: "Save params" }).click();
    const error = page.locator('[data-field="memory"] .field-error');
    await error.filter({ hasText: /16G/ }).waitFor();
    assert.equal(await memory.getAttribute("aria-invalid"), "true");
    // Storage is immutable after creation: the editor does not offer to change it.
    assert.equal(await page.locator("#edit-storage").isDisabled(), true);
    await page.locator('[data-field="memory"]').scrollIntoViewIfNeeded();
    await shot("05-params-guardrail-error");
    await page.getByRole("button", { name: "Discard changes" }).click();
    assert.equal(await memory.inputValue(), "1G");
  });

  it("says so when an edit was made on a stale view, and saves nothing", async () => {
    const maxPlayers = page.locator("#edit-maxPlayers");
    await maxPlayers.fill("42");
    // Someone else changes the stack meanwhile (generation + 1).
    const before = await store.stacks.get(stackId);
    assert.ok(before);
    await store.stacks.change(stackId, {
      actor: "someone-else",
      source: "user",
      type: "DesiredChanged",
      expectedGeneration: before.generation,
      params: { ...before.params, motd: "changed elsewhere" },
    });
    await page.getByRole("button", { name: "Save params" }).click();
    await page.getByText(/Not saved: this stack was changed since you opened it/).waitFor();
    await shot("05b-params-stale-edit");
    const after = await store.stacks.get(stackId);
    assert.equal(after?.generation, before.generation + 1, "only the other change was made");
    assert.notEqual(after?.params["maxPlayers"], 42);
    await page.getByRole("button", { name: "Discard changes" }).click();
  });

  it("pauses and resumes the stack", async () => {
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: /Pause/ });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Pause" }).click();
    await page.getByText("Paused by owner").waitFor();
    await page.locator('.timeline li[data-type="StackPaused"]').first().waitFor();
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("button", { name: "Pause", exact: true }).waitFor();
    await page.locator('.timeline li[data-type="StackResumed"]').first().waitFor();
  });

  it("shows the global timeline with filters on the events page", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Events" }).click();
    await page.getByRole("heading", { name: "Events", level: 1 }).waitFor();
    await page.locator(".timeline li").first().waitFor();
    await page.getByLabel("Kind").selectOption("drift");
    await page.locator('.timeline li[data-kind="drift"]').first().waitFor();
    const items = await page.locator(".timeline li").all();
    const kinds = await Promise.all(items.map((li) => li.getAttribute("data-kind")));
    assert.ok(kinds.length > 0 && kinds.every((k) => k === "drift"), `not only drift: ${kinds.join()}`);
    await shot("06-events");
    await page.getByLabel("Kind").selectOption("");
  });

  it("lists clusters, registers an agent cluster showing its join token once, sees its agent connect, and revokes it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Clusters" }).click();
    await page.getByRole("heading", { name: "Clusters", level: 1 }).waitFor();
    await page.getByLabel("Cluster name").fill("Edge 1");
    await page.getByRole("button", { name: "Register agent cluster" }).click();
    await page.locator("#cluster-name-error").waitFor();
    await page.getByLabel("Cluster name").fill("edge-ui");
    await page.getByRole("button", { name: "Register agent cluster" }).click();
    const joinToken = ((await page.getByTestId("join-token").textContent()) ?? "").trim();
    assert.match(joinToken, /^swj_/);
    await shot("06a-clusters-join-token");
    await page.getByRole("button", { name: "Done" }).click();
    assert.equal(await page.getByTestId("join-token").count(), 0, "the token is shown once");
    const row = page.locator('tr[data-cluster="edge-ui"]');
    await row.locator(".connection-cell", { hasText: /^Disconnected$/ }).waitFor();
    assert.equal((await row.locator(".last-seen-cell").textContent())?.trim(), "never");

    // A real agent joins with the token the page showed; the page refreshes itself.
    const agentDir = mkdtempSync(join(tmpdir(), "stackwarden-ui-agent-"));
    const stopAgent = new AbortController();
    after(() => rmSync(agentDir, { recursive: true, force: true }));
    writeFileSync(join(agentDir, "token"), joinToken);
    const agent = await startAgent(
      {
        controlPlane: url,
        tokenFile: join(agentDir, "token"),
        stateDir: join(agentDir, "state"),
        kubeconfig: ns.kc,
        agentVersion: "0.1.0-ui",
        log: createLogger({ level: "silent" }),
      },
      stopAgent.signal,
    );
    try {
      await row.locator(".connection-cell", { hasText: /^Connected$/ }).waitFor();
      await row.locator(".agent-cell", { hasText: "0.1.0-ui" }).waitFor();
      assert.match((await row.locator(".last-seen-cell").textContent()) ?? "", /^\d+s ago$/);
      assert.equal((await row.locator(".stacks-cell").textContent())?.trim(), "0");
      await shot("06b-clusters");
      await row.getByRole("button", { name: "Revoke agent" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
      await row.locator(".connection-cell", { hasText: /^Disconnected$/ }).waitFor();
      assert.equal(await row.getByRole("button", { name: "Revoke agent" }).count(), 0);
    } finally {
      stopAgent.abort();
      await agent.done;
    }
  });

  it("fits a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/stacks/${stackId}`);
    await page.getByRole("heading", { name: stackName, level: 1 }).waitFor();
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    assert.ok(overflow <= 0, `the stack page is ${overflow}px wider than the phone`);
    await shot("07-stack-phone");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Stacks" }).click();
    await page.locator(`tr[data-stack="${stackName}"]`).waitFor();
    await shot("08-stacks-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("shows a viewer everything and offers no change", async () => {
    const user = await store.auth.createUser("ui-viewer", "viewer", "test");
    const { token } = await store.auth.createToken(user.id, "ui-e2e", "test");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: url });
    try {
      const viewer = await context.newPage();
      await viewer.goto("/");
      await viewer.getByLabel("API token").fill(token);
      await viewer.getByRole("button", { name: "Sign in" }).click();
      await viewer.locator(`tr[data-stack="${stackName}"] a`).click();
      await viewer.getByText("You are signed in as a viewer").waitFor();
      assert.equal(await viewer.getByRole("link", { name: "New stack" }).count(), 0);
      assert.equal(await viewer.getByRole("button", { name: "Delete" }).count(), 0);
      assert.equal(await viewer.locator("#edit-maxPlayers").isDisabled(), true);
    } finally {
      await context.close();
    }
  });

  it("deletes the stack after a confirmation that says volumes are kept", async () => {
    await page.locator(`tr[data-stack="${stackName}"] a`).click();
    await page.getByRole("heading", { name: stackName, level: 1 }).waitFor();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: `Delete ${stackName}?` });
    await dialog.getByText("Data volumes are kept").waitFor();
    await shot("09-delete-confirm");
    await dialog.getByRole("button", { name: "Delete stack" }).click();
    await page.getByText("Deletion requested").waitFor();
    await page.locator('.timeline li[data-type="StackDeleteRequested"]').first().waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Stacks" }).click();
    await page.getByRole("heading", { name: "Stacks", level: 1 }).waitFor();
    // The row leaves the list once the stack is gone from the cluster.
    try {
      await page.locator(`tr[data-stack="${stackName}"]`).waitFor({ state: "detached", timeout: convergeMs });
    } catch (e: unknown) {
      await shot("10-stacks-after-delete");
      const res = await page.request.get(`/api/v1/stacks/${stackId}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      throw new Error(`the deleted stack stayed listed; the API says ${res.status()} ${await res.text()}`, {
        cause: e,
      });
    }
    assert.deepEqual(pageErrors, [], "the page threw");
  });
});
