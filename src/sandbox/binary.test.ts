import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildArgs, cacheKey } from "./binary.ts";

describe("cacheKey", () => {
  const base: Array<[string, string]> = [
    ["go.mod", "module x"],
    ["main.go", "package main"],
  ];
  const cases: Array<[string, Array<[string, string]>, boolean]> = [
    ["same inputs in another order", [...base].reverse(), true],
    [
      "a changed source file",
      [
        ["go.mod", "module x"],
        ["main.go", "package main // changed"],
      ],
      false,
    ],
    ["an added file", [...base, ["go.sum", "h1:abc"]], false],
    [
      "content moved between files",
      [
        ["go.mod", "module xpackage main"],
        ["main.go", ""],
      ],
      false,
    ],
  ];
  for (const [name, inputs, same] of cases) {
    it(`${same ? "keeps" : "changes"} the key for ${name}`, () => {
      assert.equal(cacheKey(inputs) === cacheKey(base), same);
    });
  }

  it("is a short hex string usable as a folder name", () => {
    assert.match(cacheKey(base), /^[0-9a-f]{16}$/);
  });
});

describe("buildArgs", () => {
  it("stamps the Kubernetes version into both version packages, so /version is not v0.0.0-master", () => {
    const ldflags = buildArgs("out", "v1.36.3")[buildArgs("out").indexOf("-ldflags") + 1] ?? "";
    assert.match(ldflags, /k8s\.io\/component-base\/version\.gitVersion=v1\.36\.3/);
    assert.match(ldflags, /k8s\.io\/component-base\/version\.gitMinor=36/);
    assert.match(ldflags, /k8s\.io\/client-go\/pkg\/version\.gitVersion=v1\.36\.3/);
  });

  it("builds without paths of this machine in the binary", () => {
    assert.ok(buildArgs("out").includes("-trimpath"));
  });
});
