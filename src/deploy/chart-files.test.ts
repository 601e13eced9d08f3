import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { alertRulesFile, chartDir, chartFiles, dashboardFiles, dashboardsDir } from "./chart-files.ts";
import { operatorCrds } from "../operator/install-crds.ts";

const generated = await chartFiles();

describe("the chart's generated files", () => {
  for (const [path, content] of generated) {
    it(`${path} is what \`npm run chart\` writes from the code`, async () => {
      const committed = await readFile(join(chartDir, path), "utf8").catch(() => "(missing)");
      assert.ok(committed === content, `${path} is out of date: run \`npm run chart\``);
    });
  }

  for (const [name, content] of dashboardFiles()) {
    it(`deploy/dashboards/${name} is what \`npm run chart\` writes`, async () => {
      const committed = await readFile(join(dashboardsDir, name), "utf8").catch(() => "(missing)");
      assert.ok(committed === content, `deploy/dashboards/${name} is out of date: run \`npm run chart\``);
    });
  }

  it("crds/ holds exactly the CRDs `stackwarden manifests` ships, and nothing else", async () => {
    const files = await readdir(join(chartDir, "crds"));
    assert.deepEqual(
      files.sort(),
      operatorCrds()
        .map((c) => `${c.metadata.name}.yaml`)
        .sort(),
    );
    for (const crd of operatorCrds()) {
      const parsed = load(await readFile(join(chartDir, "crds", `${crd.metadata.name}.yaml`), "utf8"));
      assert.deepEqual(parsed, JSON.parse(JSON.stringify(crd)), crd.metadata.name);
    }
  });

  it("ships the alert rules byte for byte as deploy/alerts has them", async () => {
    assert.equal(
      await readFile(join(chartDir, "files", "stackwarden.rules.yaml"), "utf8"),
      await readFile(alertRulesFile, "utf8"),
    );
  });
});
