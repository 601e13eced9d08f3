import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import type { KubeObject } from "../api/object.ts";
import type { Component, Template } from "../templates/template.ts";
import { generatedSecretName, render, topologicalLevels, type RenderRoot } from "./render.ts";
import type { Manifest } from "./manifest.ts";

interface Params {
  readonly replicas: number;
}

interface StsSpec {
  selector: unknown;
  template: { metadata: { labels: Record<string, string> } };
  volumeClaimTemplates: Array<{ metadata: { labels: Record<string, string> } }>;
  secret: string;
}

const root: RenderRoot = {
  apiVersion: "stackwarden.dev/v1alpha1",
  kind: "Stack",
  name: "demo",
  namespace: "games",
  uid: "uid-1",
  generation: 4,
};

const component = (
  name: string,
  dependsOn: string[],
  build: Component<Params>["build"],
): Component<Params> => ({
  name,
  dependsOn,
  healthDeadlineSeconds: 60,
  build,
});

function fixture(components: Array<Component<Params>>): Template<Params> {
  return {
    name: "demo-template",
    version: "1.0.0",
    description: "test",
    params: Type.Object({ replicas: Type.Integer() }),
    guardrails: { immutable: [], adoptable: [] },
    components,
    upgrade: { fields: [] },
    ignore: [],
    generatedSecrets: [],
    prerequisites: () => [],
    data: { components: [] },
  };
}

const statefulSet = (replicas: number, secret: string): Manifest => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db", labels: { extra: "kept" } },
  spec: {
    replicas,
    serviceName: "db",
    template: { metadata: { labels: { "app.kubernetes.io/component": "custom" } }, spec: { containers: [] } },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }],
    secret,
  },
});

const template = fixture([
  component("service", ["db"], () => [{ apiVersion: "v1", kind: "Service", metadata: { name: "db" } }]),
  component("config", [], () => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" } }]),
  component("db", ["config"], (ctx) => [statefulSet(ctx.params.replicas, ctx.secretName("pw"))]),
]);

describe("render", () => {
  it("is deterministic: rendering twice gives deep-equal output", () => {
    assert.deepEqual(render(template, root, { replicas: 1 }), render(template, root, { replicas: 1 }));
  });

  it("orders components by dependency and lists every object", () => {
    const out = render(template, root, { replicas: 1 });
    assert.deepEqual(
      out.components.map((c) => c.name),
      ["config", "db", "service"],
    );
    assert.deepEqual(
      out.objects.map((o) => o.kind),
      ["ConfigMap", "StatefulSet", "Service"],
    );
  });

  it("gives every object the namespace, our labels and the owner reference", () => {
    for (const o of render(template, root, { replicas: 1 }).objects) {
      assert.equal(o.metadata.namespace, "games");
      assert.equal(o.metadata.labels?.["app.kubernetes.io/managed-by"], "stackwarden");
      assert.equal(o.metadata.labels?.["stackwarden.dev/stack"], "demo");
      assert.equal(o.metadata.labels?.["stackwarden.dev/generation"], "4");
      assert.equal(o.metadata.labels?.["app.kubernetes.io/name"], "demo-template");
      assert.deepEqual(o.metadata.ownerReferences, [
        {
          apiVersion: root.apiVersion,
          kind: "Stack",
          name: "demo",
          uid: "uid-1",
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  const inheritedCases: Array<{
    name: string;
    inherited: Record<string, string> | undefined;
    expect: Record<string, string | undefined>;
  }> = [
    {
      name: "a hand-written Stack: no control-plane labels",
      inherited: undefined,
      expect: { "stackwarden.dev/stack-id": undefined, "stackwarden.dev/template-version": undefined },
    },
    {
      name: "a control-plane Stack: stack id and template version copied",
      inherited: { "stackwarden.dev/stack-id": "0d6c-uuid", "stackwarden.dev/template-version": "1.2.0" },
      expect: {
        "stackwarden.dev/stack-id": "0d6c-uuid",
        "stackwarden.dev/template-version": "1.2.0",
        "stackwarden.dev/generation": "4",
      },
    },
    {
      name: "an inherited generation never replaces the root's metadata.generation",
      inherited: { "stackwarden.dev/stack-id": "u", "stackwarden.dev/generation": "99" },
      expect: { "stackwarden.dev/stack-id": "u", "stackwarden.dev/generation": "4" },
    },
  ];
  for (const c of inheritedCases) {
    it(`inherited labels: ${c.name}`, () => {
      const out = render(
        template,
        { ...root, ...(c.inherited ? { inherited: c.inherited } : {}) },
        {
          replicas: 1,
        },
      );
      for (const o of out.objects) {
        for (const [k, v] of Object.entries(c.expect))
          assert.equal(o.metadata.labels?.[k], v, `${o.kind} ${k}`);
      }
    });
  }

  it("labels pod templates and claims with stable labels only, keeping the builder's", () => {
    const sts = render(template, root, { replicas: 1 }).objects[1] as KubeObject & { spec: StsSpec };
    assert.equal(sts.metadata.labels?.["extra"], "kept");
    assert.equal(sts.metadata.labels?.["stackwarden.dev/component"], "db");
    assert.deepEqual(sts.spec.selector, {
      matchLabels: {
        "app.kubernetes.io/instance": "demo",
        "app.kubernetes.io/component": "db",
        "stackwarden.dev/stack": "demo",
        "stackwarden.dev/component": "db",
      },
    });
    assert.deepEqual(sts.spec.template.metadata.labels, {
      "app.kubernetes.io/instance": "demo",
      "app.kubernetes.io/component": "custom",
      "stackwarden.dev/stack": "demo",
      "stackwarden.dev/component": "db",
    });
    const claimLabels = sts.spec.volumeClaimTemplates[0]?.metadata.labels ?? {};
    assert.equal(claimLabels["stackwarden.dev/generation"], undefined);
    assert.equal(claimLabels["app.kubernetes.io/managed-by"], "stackwarden");
    assert.equal(sts.spec.secret, generatedSecretName("demo", "pw"));
    assert.equal(sts.spec.secret, "demo-pw");
  });

  it("does not modify what builders return", () => {
    const shared: Manifest = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared" } };
    render(fixture([component("a", [], () => [shared])]), root, { replicas: 1 });
    assert.deepEqual(shared, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared" } });
  });

  const bad: Array<{ name: string; components: Array<Component<Params>>; error: RegExp }> = [
    {
      name: "unknown dependency",
      components: [component("a", ["missing"], () => [])],
      error: /component a depends on unknown component missing/,
    },
    {
      name: "cycle",
      components: [component("a", ["b"], () => []), component("b", ["a"], () => [])],
      error: /cycle: a → b → a/,
    },
    { name: "self cycle", components: [component("a", ["a"], () => [])], error: /cycle: a → a/ },
    {
      name: "duplicate component",
      components: [component("a", [], () => []), component("a", [], () => [])],
      error: /component a is declared twice/,
    },
    {
      name: "duplicate object",
      components: [
        component("a", [], () => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }]),
        component("b", [], () => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }]),
      ],
      error: /renders v1\/ConfigMap\/x twice/,
    },
    {
      name: "cluster-scoped object",
      components: [
        component("a", [], () => [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }]),
      ],
      error: /cluster-scoped Namespace x/,
    },
    {
      name: "object without a name",
      components: [
        component("a", [], () => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "" } }]),
      ],
      error: /renders a ConfigMap without a name/,
    },
  ];
  for (const c of bad) {
    it(`rejects: ${c.name}`, () =>
      assert.throws(() => render(fixture(c.components), root, { replicas: 1 }), c.error));
  }
});

describe("topologicalLevels", () => {
  const cases: Array<{
    name: string;
    graph: Array<{ name: string; dependsOn: string[] }>;
    levels: string[][];
  }> = [
    { name: "empty", graph: [], levels: [] },
    {
      name: "independent",
      graph: [
        { name: "a", dependsOn: [] },
        { name: "b", dependsOn: [] },
      ],
      levels: [["a", "b"]],
    },
    {
      name: "chain",
      graph: [
        { name: "c", dependsOn: ["b"] },
        { name: "b", dependsOn: ["a"] },
        { name: "a", dependsOn: [] },
      ],
      levels: [["a"], ["b"], ["c"]],
    },
    {
      name: "diamond",
      graph: [
        { name: "top", dependsOn: [] },
        { name: "left", dependsOn: ["top"] },
        { name: "right", dependsOn: ["top"] },
        { name: "bottom", dependsOn: ["left", "right"] },
      ],
      levels: [["top"], ["left", "right"], ["bottom"]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(topologicalLevels(c.graph), c.levels));
  }

  it("names the cycle, not the components waiting behind it", () => {
    assert.throws(
      () =>
        topologicalLevels([
          { name: "after", dependsOn: ["x"] },
          { name: "x", dependsOn: ["y"] },
          { name: "y", dependsOn: ["x"] },
        ]),
      /cycle: x → y → x/,
    );
  });
});
