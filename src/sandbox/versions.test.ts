import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { goModuleDir } from "./paths.ts";
import { etcdVersion, kubernetesVersion, kwokVersion, stagingVersion } from "./versions.ts";

describe("stagingVersion", () => {
  const cases: Array<[string, string | Error]> = [
    ["v1.36.3", "v0.36.3"],
    ["v1.33.13", "v0.33.13"],
    ["1.36.3", new Error("not a Kubernetes release version: 1.36.3")],
    ["v1.36.0-rc.1", new Error("not a Kubernetes release version: v1.36.0-rc.1")],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected instanceof Error ? "error" : expected}`, () => {
      if (expected instanceof Error)
        assert.throws(() => stagingVersion(input), { message: expected.message });
      else assert.equal(stagingVersion(input), expected);
    });
  }
});

describe("the sandbox's go.mod", () => {
  it("requires the versions the TypeScript side reports", async () => {
    const gomod = await readFile(join(goModuleDir, "go.mod"), "utf8");
    assert.match(gomod, new RegExp(`k8s\\.io/kubernetes ${kubernetesVersion.replaceAll(".", "\\.")}\\b`));
    assert.match(gomod, new RegExp(`sigs\\.k8s\\.io/kwok ${kwokVersion.replaceAll(".", "\\.")}\\b`));
    assert.match(gomod, new RegExp(`go\\.etcd\\.io/etcd/server/v3 ${etcdVersion.replaceAll(".", "\\.")}\\b`));
  });

  it("replaces every staging module with the release of the same minor", async () => {
    const gomod = await readFile(join(goModuleDir, "go.mod"), "utf8");
    const replaces = [...gomod.matchAll(/^\s*(k8s\.io\/[\w-]+) => (k8s\.io\/[\w-]+) (v\S+)$/gm)];
    assert.ok(replaces.length >= 29, `only ${replaces.length} replace directives`);
    for (const [, from, to, version] of replaces) {
      assert.equal(from, to);
      assert.equal(version, stagingVersion(kubernetesVersion), `${from} is replaced by ${version}`);
    }
  });
});
