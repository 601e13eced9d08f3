import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageRoot } from "../sandbox/paths.ts";
import { manifestsYaml } from "../operator/manifests.ts";
import { controlPlaneManifests } from "./manifests.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const role = controlPlaneManifests().find((o) => o.kind === "ClusterRole") as unknown as { rules: Rule[] };
const writes = ["create", "update", "patch", "delete", "deletecollection"];

describe("control plane manifests", () => {
  it("are what deploy/control-plane.yaml ships (regenerate with npx stackwarden manifests control-plane)", async () => {
    assert.equal(
      await readFile(join(packageRoot, "deploy", "control-plane.yaml"), "utf8"),
      manifestsYaml(controlPlaneManifests()),
    );
  });

  it("may write Stack resources, and only what game servers need besides (exec, backup Jobs and their claim)", () => {
    const allowed = [
      '[["stackwarden.dev"],["stacks"]]',
      '[[""],["pods/exec"]]',
      '[["batch"],["jobs"]]',
      '[[""],["persistentvolumeclaims"]]',
      '[["snapshot.storage.k8s.io"],["volumesnapshots"]]',
    ];
    for (const rule of role.rules) {
      assert.ok(!rule.verbs.includes("*") && !rule.resources.includes("*"), JSON.stringify(rule));
      if (rule.verbs.some((v) => writes.includes(v))) {
        assert.ok(allowed.includes(JSON.stringify([rule.apiGroups, rule.resources])), JSON.stringify(rule));
        if (rule.resources[0] !== "stacks")
          assert.ok(!rule.verbs.includes("update") && !rule.verbs.includes("patch"));
      }
    }
    assert.ok(!role.rules.some((r) => r.resources.includes("secrets")), "no access to Secrets at all");
    const claims = role.rules.filter((r) => r.resources.includes("persistentvolumeclaims"));
    assert.ok(
      claims.every((r) => !r.verbs.includes("delete")),
      "claims are never deleted: a world is a claim",
    );
  });

  it("reads what chooses a snapshot class, and no more: StorageClasses one by one, snapshot classes as a list", () => {
    const verbsOf = (group: string, resource: string): string[] =>
      role.rules
        .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
        .flatMap((r) => r.verbs)
        .sort();
    assert.deepEqual(verbsOf("storage.k8s.io", "storageclasses"), ["get"]);
    assert.deepEqual(verbsOf("snapshot.storage.k8s.io", "volumesnapshotclasses"), ["list"]);
    assert.deepEqual(verbsOf("snapshot.storage.k8s.io", "volumesnapshotcontents"), []);
    assert.deepEqual(verbsOf("snapshot.storage.k8s.io", "volumesnapshots"), [
      "create",
      "delete",
      "get",
      "list",
      "watch",
    ]);
  });

  it("reads its database URL and admin token from Secrets, never from plain values", () => {
    const deployment = controlPlaneManifests().find((o) => o.kind === "Deployment") as unknown as {
      spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } };
    };
    for (const env of deployment.spec.template.spec.containers[0]?.env ?? []) {
      assert.equal(env.value, undefined, env.name);
    }
  });
});
