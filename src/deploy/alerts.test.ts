/**
 * The alert rules, checked by Prometheus's own promtool (built from its Go
 * module and cached): the rule file is valid, and the unit tests beside it
 * (deploy/alerts/stackwarden.rules.test.yaml) see every alert stay quiet while
 * pending, fire with its labels and annotations, and clear.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { load } from "js-yaml";
import { ensureGoTool, goTools } from "../sandbox/go-tool.ts";
import { alertRulesFile } from "./chart-files.ts";

const testsFile = alertRulesFile.replace(/\.yaml$/, ".test.yaml");

async function promtool(args: readonly string[]): Promise<string> {
  const binary = await ensureGoTool({
    ...goTools.promtool,
    env: process.env,
    progress: (l) => void process.stderr.write(`${l}\n`),
  });
  const result = spawnSync(binary, args, { cwd: dirname(alertRulesFile), encoding: "utf8" });
  assert.equal(result.status, 0, `promtool ${args.join(" ")}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert: string; labels?: { severity?: string } }> }>;
}
interface RuleTests {
  tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

describe("the alert rules", () => {
  it("pass promtool check rules", async () => {
    assert.match(await promtool(["check", "rules", alertRulesFile]), /SUCCESS: 6 rules found/);
  });

  it("pass their promtool unit tests (each alert fires and clears)", async () => {
    assert.match(await promtool(["test", "rules", testsFile]), /SUCCESS/);
  });

  it("each have a unit test where they fire and one where they do not, and a severity", async () => {
    const rules = load(await readFile(alertRulesFile, "utf8")) as RuleFile;
    const tests = load(await readFile(testsFile, "utf8")) as RuleTests;
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      assert.ok(
        mine.some((c) => c.exp_alerts.length > 0),
        `${rule.alert} is never seen firing`,
      );
      assert.ok(
        mine.some((c) => c.exp_alerts.length === 0),
        `${rule.alert} is never seen quiet`,
      );
      assert.match(rule.labels?.severity ?? "", /^(warning|critical)$/, rule.alert);
    }
  });
});
