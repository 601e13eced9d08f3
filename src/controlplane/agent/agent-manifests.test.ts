import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { manifestsYaml } from "../../operator/manifests.ts";
import { packageRoot } from "../../sandbox/paths.ts";
import { agentManifests } from "./agent-manifests.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const role = agentManifests().find((o) => o.kind === "ClusterRole") as unknown as { rules: Rule[] };
const writes = ["create", "update", "patch", "delete", "deletecollection"];

describe("agent manifests", () => {
  it("are what deploy/agent.yaml ships (regenerate with npx stackwarden manifests agent)", async () => {
    assert.equal(
      await readFile(join(packageRoot, "deploy", "agent.yaml"), "utf8"),
      manifestsYaml(agentManifests()),
    );
  });

  it("may write Stack resources and nothing else, and never touch Secrets", () => {
    for (const rule of role.rules) {
      assert.ok(!rule.verbs.includes("*") && !rule.resources.includes("*"), JSON.stringify(rule));
      if (rule.verbs.some((v) => writes.includes(v))) {
        assert.deepEqual([rule.apiGroups, rule.resources], [["stackwarden.dev"], ["stacks"]]);
      }
    }
    assert.ok(!role.rules.some((r) => r.resources.includes("secrets")));
  });

  it("open no port: an agent only connects out", () => {
    assert.ok(!agentManifests().some((o) => o.kind === "Service"));
    const d = agentManifests().find((o) => o.kind === "Deployment") as unknown as {
      spec: { replicas: number; template: { spec: { containers: Array<{ ports?: unknown[] }> } } };
    };
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.template.spec.containers[0]?.ports, undefined);
  });
});
