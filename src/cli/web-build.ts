/**
 * Keeps the web UI's build (`web/dist`) in step with its sources, so `stackwarden up` and
 * `stackwarden server` serve the real panel however they were started (`npm start`, `npx
 * stackwarden up`, the `bin`), never a "not built" page on a machine that can build it.
 *
 * The build records a hash of its inputs (`web/` without `dist/`, and `package-lock.json`, which
 * pins vite and React) in `web/dist/.inputs`; a build whose hash differs is stale. Builds go to a
 * folder beside `dist` and are renamed into place, so a server never serves a half-written UI.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";

/** Where the web UI's files are: `<root>/web` and its build `<root>/web/dist`. */
export interface WebUiPaths {
  /** The package's root folder (the one holding `web/` and `node_modules/`). */
  readonly root: string;
}

/** The state of a build: there is none, it was made from other inputs, or it matches them. */
export type WebUiState = "missing" | "stale" | "fresh";

/** What {@link ensureWebUi} did and what is served. */
export interface WebUiResult {
  /** The folder to serve, or undefined when there is no build at all. */
  readonly dir: string | undefined;
  readonly state: WebUiState;
  readonly built: boolean;
  /** Why nothing was built although the build is missing or stale. */
  readonly problem?: string;
}

const distOf = (root: string): string => join(root, "web", "dist");
const stampOf = (root: string): string => join(distOf(root), ".inputs");

function inputFiles(root: string): string[] {
  const web = join(root, "web");
  const files = readdirSync(web, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !relative(web, path).startsWith("dist") && !relative(web, path).startsWith(".dist-"));
  const lock = join(root, "package-lock.json");
  return [...files, ...(existsSync(lock) ? [lock] : [])].sort();
}

/** A hash of every input of the build: each file's path (relative to `root`) and contents. */
export function webInputsHash(root: string): string {
  const hash = createHash("sha256");
  for (const file of inputFiles(root)) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/**
 * Whether `<root>/web/dist` is missing, stale or fresh. A build shipped without its sources (the
 * image has `web/dist` and no `web/index.html`) has nothing to be stale against: it is fresh.
 */
export function webUiState(root: string): WebUiState {
  if (!existsSync(join(distOf(root), "index.html"))) return "missing";
  if (!existsSync(join(root, "web", "index.html"))) return "fresh";
  const stamp = existsSync(stampOf(root)) ? readFileSync(stampOf(root), "utf8").trim() : "";
  return stamp === webInputsHash(root) ? "fresh" : "stale";
}

/**
 * Builds `<root>/web` into `<root>/web/dist` with the vite in `<root>/node_modules` when the build
 * is missing or stale. Never throws for a failed build: the result says what happened, and an
 * older build (if any) is still served. vite is a devDependency: an install without them (`npm
 * install --omit=dev`) cannot build, and the result's `problem` says so.
 */
export function ensureWebUi(paths: WebUiPaths, log: (line: string) => void = () => {}): WebUiResult {
  const { root } = paths;
  const state = webUiState(root);
  const dist = distOf(root);
  const served = (): string | undefined => (existsSync(join(dist, "index.html")) ? dist : undefined);
  if (state === "fresh") return { dir: dist, state, built: false };
  const vite = join(root, "node_modules", "vite", "bin", "vite.js");
  if (!existsSync(vite)) {
    const problem =
      `the web UI is ${state === "missing" ? "not built" : "older than its sources"} and vite, a devDependency, ` +
      `is not installed: run \`npm install\` in ${root} (with devDependencies), then start again`;
    return { dir: served(), state, built: false, problem };
  }
  log(`building the web UI (${state === "missing" ? "not built yet" : "its sources changed"})…`);
  const hash = webInputsHash(root);
  const out = mkdtempSync(join(root, "web", ".dist-"));
  try {
    const result = spawnSync(
      process.execPath,
      [vite, "build", "web", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"],
      { cwd: root, encoding: "utf8" },
    );
    if (result.status !== 0) {
      const problem = `building the web UI failed: ${(result.stderr || result.stdout || "").trim()}`;
      return { dir: served(), state, built: false, problem };
    }
    writeFileSync(join(out, ".inputs"), `${hash}\n`);
    rmSync(dist, { recursive: true, force: true });
    try {
      renameSync(out, dist);
    } catch {
      // Another process put its build of the same inputs in place first: that one is served.
    }
    return { dir: dist, state, built: true };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
