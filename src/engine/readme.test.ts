/**
 * The engine README's example runs: its ```ts block is written out with its
 * imports resolved from this folder, and executed (it asserts its own outcome).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";

const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");

/** The ```ts blocks of a markdown text. */
export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
}

/** The block with every import specifier made absolute, as this folder would resolve it. */
function resolvedImports(code: string): string {
  return code.replace(/(from\s+)"([^"]+)"/g, (_m, from: string, specifier: string) => {
    const url = specifier.startsWith(".")
      ? new URL(specifier, import.meta.url).href
      : specifier.startsWith("node:")
        ? specifier
        : import.meta.resolve(specifier);
    return `${from}"${url}"`;
  });
}

describe("the engine README", () => {
  it("finds the blocks of a markdown text", () => {
    assert.deepEqual(tsBlocks("a\n```ts\nconst x = 1;\n```\nb\n```sh\nls\n```\n"), ["const x = 1;\n"]);
  });

  it("has an example that runs", async () => {
    const blocks = tsBlocks(readme);
    assert.equal(blocks.length, 1, "one ts example");
    const dir = mkdtempSync(join(tmpdir(), "engine-readme-"));
    try {
      const file = join(dir, "example.mts");
      writeFileSync(file, resolvedImports(blocks[0] ?? ""));
      await import(pathToFileURL(file).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
