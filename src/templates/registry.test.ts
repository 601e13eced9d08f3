import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findTemplate, listTemplates, templates } from "./registry.ts";
import { topologicalLevels } from "../resources/render.ts";

describe("template registry", () => {
  const lookups: Array<{ name: string; version?: string; found: boolean }> = [
    { name: "minecraft-java", found: true },
    { name: "minecraft-java", version: "1.0.0", found: true },
    { name: "minecraft-java", version: "9.9.9", found: false },
    { name: "minecraft-bedrock", found: true },
    { name: "terraria", found: false },
  ];
  for (const c of lookups) {
    it(`findTemplate(${c.name}, ${c.version ?? "any"})`, () => {
      const t = c.version === undefined ? findTemplate(c.name) : findTemplate(c.name, c.version);
      assert.equal(t !== undefined, c.found);
      if (t) assert.equal(t.name, c.name);
    });
  }

  it("lists every template by name", () => {
    assert.deepEqual(
      listTemplates().map((t) => t.name),
      [
        "chronik-cluster",
        "chronik-io-cluster",
        "minecraft-bedrock",
        "minecraft-java",
        "multigres",
        "multigres-cluster",
        "observability-platform",
      ],
    );
  });

  for (const t of templates.values()) {
    it(`${t.name}: a sound component graph whose data components exist`, () => {
      const names = topologicalLevels(t.components).flat();
      for (const c of t.data.components) assert.ok(names.includes(c));
      for (const p of [...t.upgrade.fields, ...t.guardrails.immutable]) assert.match(p, /^\//);
    });
  }
});
