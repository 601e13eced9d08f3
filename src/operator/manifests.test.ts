import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageRoot } from "../sandbox/paths.ts";
import { manifestsYaml, operatorManifests } from "./manifests.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

describe("operator manifests", () => {
  it("are what deploy/stackwarden.yaml ships (regenerate with npx stackwarden manifests > deploy/stackwarden.yaml)", async () => {
    assert.equal(await readFile(join(packageRoot, "deploy", "stackwarden.yaml"), "utf8"), manifestsYaml());
  });

  const role = operatorManifests().find((o) => o.kind === "ClusterRole") as unknown as { rules: Rule[] };
  it("grant Roles and RoleBindings (Chronik's children) only what apply, the cache and pruning use", () => {
    const rbac = role.rules.filter((r) => r.apiGroups.includes("rbac.authorization.k8s.io"));
    assert.deepEqual(rbac, [
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["rolebindings", "roles"],
        verbs: ["get", "list", "watch", "create", "patch", "delete"],
      },
    ]);
  });

  it("grant no wildcard and nothing on CRDs, nodes or RBAC escalation", () => {
    for (const rule of role.rules) {
      assert.ok(
        !rule.verbs.includes("*") && !rule.resources.includes("*") && !rule.apiGroups.includes("*"),
        JSON.stringify(rule),
      );
      assert.ok(!rule.resources.includes("customresourcedefinitions"));
      assert.ok(!rule.resources.includes("nodes"));
      assert.ok(
        !rule.verbs.includes("escalate") &&
          !rule.verbs.includes("bind") &&
          !rule.verbs.includes("impersonate"),
      );
    }
  });

  it("run the operator as non-root with a read-only root filesystem and probes", () => {
    const deployment = operatorManifests().find((o) => o.kind === "Deployment") as unknown as {
      spec: {
        template: {
          spec: {
            securityContext: { runAsNonRoot: boolean };
            containers: Array<
              Record<string, unknown> & {
                securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
              }
            >;
          };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const container = pod.containers[0]!;
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.ok(container.livenessProbe && container.readinessProbe);
  });
});
