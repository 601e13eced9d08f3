/**
 * Docs that run: every manifest in examples/ is applied to the sandbox with
 * the operator serving every kind, and each custom resource reaches its
 * ready phase.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadAllYaml } from "@kubernetes/client-node";
import { applyObject } from "../kube/apply.ts";
import { resourcePath } from "../kube/resource-type.ts";
import type { KubeObject } from "../api/object.ts";
import { packageRoot } from "../sandbox/paths.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { startKindOperator } from "../testing/kind-operator.ts";
import { boundKinds } from "./kinds.ts";

const ns = await useTestNamespace("examples");
const manager = await startKindOperator(ns, boundKinds);
const readyPhases = new Set(["Ready", "Running", "Healthy"]);
const folder = join(packageRoot, "examples");
const files = (await readdir(folder)).filter((f) => f.endsWith(".yaml")).sort();

describe("examples/", () => {
  for (const file of files) {
    it(`${file} reaches its ready phase`, async () => {
      const objects = loadAllYaml(await readFile(join(folder, file), "utf8")) as KubeObject[];
      assert.ok(objects.length > 0);
      for (const o of objects) {
        await applyObject(
          { client: manager.client, types: manager.types },
          { ...o, metadata: { ...o.metadata, namespace: ns.namespace } },
        );
      }
      for (const o of objects.filter((x) => boundKinds.some((b) => b.type.kind === x.kind))) {
        const type = await manager.types.resolve(manager.client, o.apiVersion ?? "", o.kind ?? "");
        await eventually(
          `${o.kind}/${o.metadata.name} to be ready`,
          async () => {
            const live = await manager.client.request<KubeObject & { status?: { phase?: string } }>(
              "GET",
              resourcePath(type, ns.namespace, o.metadata.name),
            );
            return readyPhases.has(live.status?.phase ?? "") ? true : undefined;
          },
          { timeoutMs: 90_000, explain: () => describeNamespace(ns.kc, ns.namespace) },
        );
      }
    });
  }
});
