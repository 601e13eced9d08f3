import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatElapsed } from "./go-build.ts";
import { goTools, installArgs, toolCacheKey, type GoTool } from "./go-tool.ts";

const base: GoTool = { name: "x", module: "example.com/x", version: "v1.0.0", pkg: "example.com/x/cmd/x" };

describe("toolCacheKey", () => {
  const cases: Array<[string, GoTool, boolean]> = [
    ["the same tool", { ...base }, true],
    ["another version", { ...base, version: "v1.0.1" }, false],
    ["another package of the module", { ...base, pkg: "example.com/x/cmd/y" }, false],
    ["another module", { ...base, module: "example.com/y" }, false],
    ["a linker setting", { ...base, ldflags: ["-X main.version=v1.0.0"] }, false],
  ];
  for (const [name, tool, same] of cases) {
    it(`${same ? "keeps" : "changes"} the key for ${name}`, () => {
      assert.equal(toolCacheKey(tool) === toolCacheKey(base), same);
    });
  }

  it("names the tool and version and is usable as a folder name", () => {
    assert.match(toolCacheKey(base), /^x-v1\.0\.0-[0-9a-f]{12}$/);
  });
});

describe("installArgs", () => {
  it("installs the package at the pinned version, stripped and without this machine's paths", () => {
    const args = installArgs(goTools.helm);
    assert.equal(args.at(-1), "helm.sh/helm/v4/cmd/helm@v4.3.2");
    assert.ok(args.includes("-trimpath"));
    assert.match(
      args[args.indexOf("-ldflags") + 1] ?? "",
      /^-s -w -X helm\.sh\/helm\/v4\/internal\/version\.version=v4\.3\.2$/,
    );
  });

  it("builds a module with replace directives in its own source, by the package's relative path", () => {
    const args = installArgs(goTools.weed);
    assert.equal(args[0], "build");
    assert.equal(args.at(-1), "./weed");
    assert.notEqual(toolCacheKey(goTools.weed), toolCacheKey({ ...goTools.weed, asMainModule: false }));
  });

  it("builds every tool from a package inside its own module", () => {
    for (const tool of Object.values(goTools)) assert.ok(tool.pkg.startsWith(`${tool.module}/`), tool.name);
  });
});

describe("formatElapsed", () => {
  for (const [ms, text] of [
    [0, "0m00s"],
    [65_400, "1m05s"],
    [3_600_000, "60m00s"],
  ] as const) {
    it(`formats ${ms} ms as ${text}`, () => assert.equal(formatElapsed(ms), text));
  }
});
