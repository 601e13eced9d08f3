/**
 * The panel as the UI's end-to-end tests drive it: the web UI built from
 * this checkout into a folder of the test file's own, the store (PGlite in
 * memory, built-in templates, a first admin), the control plane's reconciler
 * and observers, the event feed and the HTTP server serving that UI, all
 * in-process as `stackwarden server` wires them, and a real headless Chromium
 * (src/testing/chromium.ts) driven by playwright-core with one page open.
 *
 * A test adds what its part of the panel needs through `http` (the game
 * service, the scheduler, …) and closes the whole with `close()`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { FastifyInstance } from "fastify";
import { chromium, type Browser, type Page } from "playwright-core";
import { Registry } from "prom-client";
import { startControlPlane, type ControlPlane } from "../controlplane/control-plane.ts";
import { EventFeed } from "../controlplane/event-feed.ts";
import { builtinTemplateRecords } from "../controlplane/guardrails.ts";
import { openStore, type Store } from "../controlplane/store/store.ts";
import { createHttpServer, type HttpServerOptions } from "../http/server.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { packageRoot } from "../sandbox/paths.ts";
import { findChromium } from "./chromium.ts";

/** Where the e2e tests' screenshots go. */
export const screenshotsDir = join(packageRoot, "test-results", "screenshots");

/**
 * Builds the UI in this checkout into a new temporary folder (removed by
 * `dispose`), so that other tests serving web/dist never see it half-written.
 */
export function buildUi(prefix: string): { readonly dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), `stackwarden-${prefix}-`));
  const vite = spawnSync(
    process.execPath,
    [
      join(packageRoot, "node_modules", "vite", "bin", "vite.js"),
      ...["build", "web", "--outDir", dir, "--emptyOutDir", "--logLevel", "warn"],
    ],
    { cwd: packageRoot, encoding: "utf8" },
  );
  assert.equal(vite.status, 0, `vite build failed:\n${vite.stdout}${vite.stderr}`);
  assert.ok(existsSync(join(dir, "index.html")), "the UI was not built");
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Launches the headless Chromium the e2e tests use. */
export async function launchChromium(): Promise<Browser> {
  const executable = await findChromium();
  process.stderr.write(`# Chromium: ${executable.path} (${executable.source})\n`);
  return chromium.launch({
    executablePath: executable.path,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface PanelOptions {
  /** The cluster the control plane deploys to (the test namespace's). */
  readonly kubeconfig: KubeConfig;
  /** The built UI (`buildUi`). */
  readonly uiDir: string;
  readonly viewport?: { readonly width: number; readonly height: number };
  /** What the test's part of the panel adds to the HTTP server's options. */
  readonly http?: (store: Store, logger: Logger) => Partial<HttpServerOptions>;
}

/** A running panel and a browser page on it. */
export interface Panel {
  readonly store: Store;
  readonly controlPlane: ControlPlane;
  readonly http: FastifyInstance;
  readonly url: string;
  readonly adminToken: string;
  readonly browser: Browser;
  readonly page: Page;
  /** Errors thrown in the page; a test ends by asserting there were none. */
  readonly pageErrors: string[];
  /** Saves a full-page screenshot as `<name>.png` under `screenshotsDir`. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startPanel(options: PanelOptions): Promise<Panel> {
  mkdirSync(screenshotsDir, { recursive: true });
  const stop = new AbortController();
  const store = await openStore({});
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  const adminToken = (await store.auth.bootstrapAdmin()) ?? "";
  const logger = createLogger({ level: "error" });
  const controlPlane = await startControlPlane(
    { store, kubeconfig: options.kubeconfig, localCluster: "local", resyncMs: 5_000, logger },
    stop.signal,
  );
  const feed = new EventFeed({ store });
  const http = createHttpServer({
    store,
    feed,
    registry: new Registry(),
    ready: () => controlPlane.ready(),
    notify: (id) => controlPlane.notify(id),
    uiDir: options.uiDir,
    logger,
    ...options.http?.(store, logger),
  });
  const url = await http.listen({ host: "127.0.0.1", port: 0 });
  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    baseURL: url,
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return {
    store,
    controlPlane,
    http,
    url,
    adminToken,
    browser,
    page,
    pageErrors,
    shot: async (name) =>
      void (await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true })),
    close: async () => {
      await browser.close();
      await http.close();
      feed.close();
      stop.abort();
      await controlPlane.done;
      await store.close();
    },
  };
}
