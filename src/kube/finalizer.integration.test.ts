/**
 * The finalizer helper on the sandbox: Kubernetes does not deduplicate finalizers, so two
 * reconciles adding ours from the same stale copy must still leave it there once, next to
 * another controller's.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/object.ts";
import { done } from "../engine/result.ts";
import { useTestNamespace } from "../testing/cluster.ts";
import { installTestCrd } from "../testing/test-crd.ts";
import { KubeClient } from "./client.ts";
import { withFinalizer } from "./finalizer.ts";
import { resourcePath } from "./resource-type.ts";

const ns = await useTestNamespace("finalizer");
const client = new KubeClient(ns.kc);
after(() => client.close());
const widgets = await installTestCrd(client, {
  group: "finalizer.test.stackwarden.dev",
  kind: "Widget",
  plural: "widgets",
});
const ours = "finalizer.test.stackwarden.dev/ours";
const theirs = "example.com/theirs";

describe("withFinalizer", () => {
  const cases: Array<[string, string[] | undefined]> = [
    ["beside another controller's finalizer", [theirs]],
    ["with no finalizer list yet", undefined],
  ];
  for (const [name, finalizers] of cases) {
    it(`adds ours once when two reconciles race from one stale copy, ${name}`, async () => {
      const objectName = finalizers ? "with-list" : "without-list";
      const stale = await client.request<KubeObject>("POST", resourcePath(widgets, ns.namespace), {
        body: {
          apiVersion: `${widgets.group}/${widgets.version}`,
          kind: widgets.kind,
          metadata: { name: objectName, ...(finalizers ? { finalizers } : {}) },
          spec: {},
        },
      });
      const add = (): ReturnType<typeof withFinalizer> =>
        withFinalizer({
          client,
          type: widgets,
          object: stale,
          finalizer: ours,
          apply: () => Promise.resolve(done),
          cleanup: () => Promise.resolve(done),
        });
      await Promise.all([add(), add()]);
      const now = await client.request<KubeObject>("GET", resourcePath(widgets, ns.namespace, objectName));
      assert.deepEqual(now.metadata.finalizers, [...(finalizers ?? []), ours]);
      await client.request("PATCH", resourcePath(widgets, ns.namespace, objectName), {
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      });
    });
  }
});
