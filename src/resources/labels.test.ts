import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inheritedLabels, managedLabels, ownerReference, selectorLabels, stackSelector } from "./labels.ts";
import { matchesLabels, parseLabelSelector } from "../kube/label-selector.ts";

describe("labels", () => {
  it("managedLabels carries the architecture's labels", () => {
    assert.deepEqual(
      managedLabels({ stack: "s1", component: "server", generation: 7, template: "minecraft-java" }),
      {
        "app.kubernetes.io/managed-by": "stackwarden",
        "app.kubernetes.io/name": "minecraft-java",
        "app.kubernetes.io/instance": "s1",
        "app.kubernetes.io/component": "server",
        "stackwarden.dev/stack": "s1",
        "stackwarden.dev/component": "server",
        "stackwarden.dev/generation": "7",
      },
    );
  });

  const generations = [1, 2, 1000];
  for (const generation of generations) {
    it(`selectorLabels are a generation-free subset of managedLabels (generation ${generation})`, () => {
      const all = managedLabels({ stack: "s", component: "c", generation });
      const stable = selectorLabels({ stack: "s", component: "c" });
      assert.ok(!Object.keys(stable).includes("stackwarden.dev/generation"));
      for (const [k, v] of Object.entries(stable)) assert.equal(all[k], v);
    });
  }

  it("ownerReference is the controller reference", () => {
    assert.deepEqual(
      ownerReference({ apiVersion: "stackwarden.dev/v1alpha1", kind: "Stack", name: "s", uid: "u" }),
      {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        name: "s",
        uid: "u",
        controller: true,
        blockOwnerDeletion: true,
      },
    );
  });

  const selectorCases: Array<{ labels: Record<string, string>; matches: boolean }> = [
    { labels: managedLabels({ stack: "s", component: "c", generation: 1 }), matches: true },
    { labels: managedLabels({ stack: "other", component: "c", generation: 1 }), matches: false },
    { labels: { "stackwarden.dev/stack": "s" }, matches: false },
  ];
  for (const [i, c] of selectorCases.entries()) {
    it(`stackSelector matches our objects only (${i})`, () => {
      assert.equal(matchesLabels(parseLabelSelector(stackSelector("s")), c.labels), c.matches);
    });
  }

  const inheritCases: Array<{ root: Record<string, string> | undefined; children: Record<string, string> }> =
    [
      { root: undefined, children: {} },
      { root: { "stackwarden.dev/generation": "3", other: "x" }, children: {} },
      {
        root: {
          "stackwarden.dev/stack-id": "id-1",
          "stackwarden.dev/template-version": "2.0.0",
          "stackwarden.dev/generation": "5",
        },
        children: { "stackwarden.dev/stack-id": "id-1", "stackwarden.dev/template-version": "2.0.0" },
      },
      { root: { "stackwarden.dev/stack-id": "id-2" }, children: { "stackwarden.dev/stack-id": "id-2" } },
    ];
  for (const [i, c] of inheritCases.entries()) {
    it(`inheritedLabels takes the stack id and template version only (${i})`, () => {
      assert.deepEqual(inheritedLabels(c.root), c.children);
    });
  }
});
