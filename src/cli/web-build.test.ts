import assert from "node:assert/strict";
import {
  cpSync,
  readdirSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { packageRoot } from "../sandbox/paths.ts";
import { ensureWebUi, webInputsHash, webUiState } from "./web-build.ts";

/** A package root with a tiny web/ folder and no node_modules. */
function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "stackwarden-web-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "web", "src"), { recursive: true });
  writeFileSync(join(root, "web", "index.html"), "<div id=root></div>");
  writeFileSync(join(root, "web", "src", "main.tsx"), "export {};");
  writeFileSync(join(root, "package-lock.json"), "{}");
  return root;
}

function fakeBuild(root: string, stamp?: string): void {
  mkdirSync(join(root, "web", "dist"), { recursive: true });
  writeFileSync(join(root, "web", "dist", "index.html"), "built");
  if (stamp !== undefined) writeFileSync(join(root, "web", "dist", ".inputs"), `${stamp}\n`);
}

describe("webUiState", () => {
  const cases: ReadonlyArray<{ name: string; arrange: (root: string) => void; want: string }> = [
    { name: "no build", arrange: () => {}, want: "missing" },
    { name: "a build without a record of its inputs", arrange: (root) => fakeBuild(root), want: "stale" },
    {
      name: "a build of these inputs",
      arrange: (root) => fakeBuild(root, webInputsHash(root)),
      want: "fresh",
    },
    {
      name: "a source changed after the build",
      arrange: (root) => {
        fakeBuild(root, webInputsHash(root));
        writeFileSync(join(root, "web", "src", "main.tsx"), "export const changed = 1;");
      },
      want: "stale",
    },
    {
      name: "a new source file after the build",
      arrange: (root) => {
        fakeBuild(root, webInputsHash(root));
        writeFileSync(join(root, "web", "src", "new.ts"), "");
      },
      want: "stale",
    },
    {
      name: "the lockfile (vite's, React's versions) changed after the build",
      arrange: (root) => {
        fakeBuild(root, webInputsHash(root));
        writeFileSync(join(root, "package-lock.json"), '{"v":2}');
      },
      want: "stale",
    },
    {
      name: "only the build's own files changed",
      arrange: (root) => {
        fakeBuild(root, webInputsHash(root));
        writeFileSync(join(root, "web", "dist", "extra.js"), "");
      },
      want: "fresh",
    },
    {
      name: "a build shipped without its sources (the image)",
      arrange: (root) => {
        fakeBuild(root);
        rmSync(join(root, "web", "index.html"));
        rmSync(join(root, "web", "src"), { recursive: true });
      },
      want: "fresh",
    },
    {
      name: "no build and no sources",
      arrange: (root) => rmSync(join(root, "web", "index.html")),
      want: "missing",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const root = fakeRoot();
      c.arrange(root);
      assert.equal(webUiState(root), c.want);
    });
  }
});

describe("ensureWebUi without vite (installed without devDependencies)", () => {
  it("serves nothing when there is no build, and says to run npm install", () => {
    const root = fakeRoot();
    const ui = ensureWebUi({ root });
    assert.equal(ui.dir, undefined);
    assert.equal(ui.built, false);
    assert.match(ui.problem ?? "", /not built.*vite.*`npm install`/);
  });

  it("still serves an older build, and says it is older than its sources", () => {
    const root = fakeRoot();
    fakeBuild(root);
    const ui = ensureWebUi({ root });
    assert.equal(ui.dir, join(root, "web", "dist"));
    assert.match(ui.problem ?? "", /older than its sources/);
  });
});

describe("ensureWebUi with vite", () => {
  it("builds the real UI when missing, records its inputs, and does not build it again", () => {
    // A copy of this checkout's web/ beside a link to its node_modules: vite and its plugins resolve.
    const root = mkdtempSync(join(tmpdir(), "stackwarden-web-real-"));
    after(() => rmSync(root, { recursive: true, force: true }));
    cpSync(join(packageRoot, "web"), join(root, "web"), {
      recursive: true,
      filter: (source) => !source.includes(`${join(packageRoot, "web", "dist")}`),
    });
    cpSync(join(packageRoot, "package-lock.json"), join(root, "package-lock.json"));
    symlinkSync(join(packageRoot, "node_modules"), join(root, "node_modules"));
    const lines: string[] = [];
    const first = ensureWebUi({ root }, (line) => lines.push(line));
    assert.equal(first.problem, undefined);
    assert.equal(first.built, true);
    assert.match(lines.join("\n"), /building the web UI \(not built yet\)/);
    assert.match(readFileSync(join(root, "web", "dist", "index.html"), "utf8"), /<script type="module"/);
    assert.equal(webUiState(root), "fresh");
    const second = ensureWebUi({ root });
    assert.deepEqual([second.built, second.state], [false, "fresh"]);
    assert.deepEqual(
      readdirSync(join(root, "web")).filter((name) => name.startsWith(".dist-")),
      [],
      "no build folder is left behind",
    );
  });
});
