import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  baseTemplate,
  builtinTemplateRecords,
  changedPointers,
  checkAdoption,
  checkImmutable,
  validateParams,
} from "./guardrails.ts";
import type { TemplateRecord } from "./store/records.ts";

function record(overrides: Partial<TemplateRecord> = {}): TemplateRecord {
  const builtin = builtinTemplateRecords().find((t) => t.name === "minecraft-java");
  assert.ok(builtin);
  return {
    id: "00000000-0000-0000-0000-000000000001",
    builtin: true,
    createdAt: "2026-01-01T00:00:00.000Z",
    createdBy: "system",
    ...builtin,
    ...overrides,
  };
}

describe("builtinTemplateRecords", () => {
  it("has one record per built-in template, based on itself, with plain-JSON schemas", () => {
    const records = builtinTemplateRecords();
    assert.deepEqual(records.map((r) => r.name).sort(), [
      "chronik-cluster",
      "chronik-io-cluster",
      "minecraft-bedrock",
      "minecraft-java",
      "multigres",
      "multigres-cluster",
      "observability-platform",
    ]);
    for (const r of records) {
      assert.equal(r.baseName, r.name);
      assert.equal(r.baseVersion, r.version);
      assert.deepEqual(JSON.parse(JSON.stringify(r.paramSchema)), r.paramSchema);
      assert.deepEqual(r.defaults, {});
    }
  });

  it("baseTemplate finds the template a record renders with", () => {
    assert.equal(baseTemplate(record())?.name, "minecraft-java");
    assert.equal(baseTemplate(record({ baseVersion: "0.0.0" })), undefined);
  });
});

describe("validateParams", () => {
  const strict = record({
    name: "small-java",
    paramSchema: {
      type: "object",
      properties: { maxPlayers: { type: "integer", maximum: 10 }, motd: { type: "string" } },
      required: ["motd"],
    },
    defaults: { motd: "welcome", maxPlayers: 5 },
  });
  const cases: Array<{ name: string; rec: TemplateRecord; params: unknown; problems?: string[] }> = [
    { name: "the minimum", rec: record(), params: { eula: true } },
    { name: "not an object", rec: record(), params: [1], problems: [": must be an object"] },
    {
      name: "every schema problem, with its path",
      rec: record(),
      params: { eula: true, maxPlayers: 9999, difficulty: "brutal", nope: 1 },
      problems: [
        "/difficulty: must be one of peaceful, easy, normal, hard",
        "/maxPlayers: must be at most 500",
        '/nope: unknown field "nope"',
      ],
    },
    {
      name: "a missing required field",
      rec: record(),
      params: {},
      problems: [
        "/eula: you must accept the Minecraft EULA (https://aka.ms/MinecraftEULA) by setting eula: true",
      ],
    },
    {
      name: "cross-field rules of the base template",
      rec: record(),
      params: { eula: true, memory: "64G" },
      problems: ["/memory: must be between 512M and 16G"],
    },
    { name: "defaults of the record merge under params", rec: strict, params: { eula: true } },
    {
      name: "the record's own schema on top of the base's",
      rec: strict,
      params: { eula: true, maxPlayers: 50 },
      problems: ["/maxPlayers: must be at most 10"],
    },
    {
      name: "the base template is gone",
      rec: record({ baseVersion: "0.0.0" }),
      params: { eula: true },
      problems: [": the base template minecraft-java 0.0.0 is not available"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = structuredClone(c.params);
      const result = validateParams(c.rec, input);
      assert.deepEqual(input, c.params, "never mutates its input");
      if (c.problems === undefined) {
        assert.ok(result.ok, JSON.stringify(result));
      } else {
        assert.ok(!result.ok);
        const got = result.problems.map((p) => `${p.path}: ${p.message}`).sort();
        for (const want of c.problems) {
          assert.ok(
            got.some((g) => g.startsWith(want.split(": ")[0] + ":")),
            `${want} in ${JSON.stringify(got)}`,
          );
        }
        assert.equal(got.length, c.problems.length, JSON.stringify(got));
      }
    });
  }

  it("applies the base template's defaults and the record's", () => {
    const result = validateParams(record({ defaults: { motd: "hello" } }), { eula: true, maxPlayers: 3 });
    assert.ok(result.ok);
    assert.equal(result.value["motd"], "hello");
    assert.equal(result.value["maxPlayers"], 3);
    assert.equal(result.value["difficulty"], "easy");
  });
});

describe("changedPointers", () => {
  const cases: Array<[string, unknown, unknown, string[]]> = [
    ["equal", { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }, []],
    ["a leaf", { a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } }, ["/b/c"]],
    ["added and removed keys", { a: 1, b: 2 }, { b: 2, c: 3 }, ["/a", "/c"]],
    ["a whole array", { ops: ["x"] }, { ops: ["x", "y"] }, ["/ops"]],
    ["a type change", { s: { size: "1Gi" } }, { s: "1Gi" }, ["/s"]],
    ["escaped keys", { "a/b": 1, "c~d": 1 }, { "a/b": 2, "c~d": 2 }, ["/a~1b", "/c~0d"]],
    ["the root", 1, 2, [""]],
  ];
  for (const [name, from, to, want] of cases) {
    it(name, () => assert.deepEqual(changedPointers(from, to), want));
  }
});

describe("checkImmutable", () => {
  const rec = record({ guardrails: { immutable: ["/storage", "/deep/size"], adoptable: [] } });
  const cases: Array<[string, unknown, unknown, string[]]> = [
    ["nothing immutable changed", { storage: "1Gi", motd: "a" }, { storage: "1Gi", motd: "b" }, []],
    ["the pointer itself", { storage: "1Gi" }, { storage: "2Gi" }, ["/storage"]],
    ["under the pointer", { storage: { size: 1 } }, { storage: { size: 2 } }, ["/storage/size"]],
    ["a parent removed", { deep: { size: 1 } }, {}, ["/deep"]],
    ["a sibling of a deep pointer", { deep: { size: 1, x: 1 } }, { deep: { size: 1, x: 2 } }, []],
  ];
  for (const [name, from, to, want] of cases) {
    it(name, () => {
      const problems = checkImmutable(rec, from, to);
      assert.deepEqual(
        problems.map((p) => p.path),
        want,
      );
      for (const p of problems) assert.equal(p.message, "is immutable after creation");
    });
  }
});

describe("checkAdoption", () => {
  const rec = record();
  const base = { eula: true, motd: "hi", maxPlayers: 20, storage: "10Gi" };
  const cases: Array<[string, Record<string, unknown>, { allowed: string[]; forbidden: string[] }]> = [
    ["an adoptable field", { ...base, maxPlayers: 30 }, { allowed: ["/maxPlayers"], forbidden: [] }],
    ["an immutable field", { ...base, storage: "20Gi" }, { allowed: [], forbidden: ["/storage"] }],
    ["a field not declared adoptable", { ...base, memory: "4G" }, { allowed: [], forbidden: ["/memory"] }],
    ["a mix", { ...base, motd: "new", storage: "20Gi" }, { allowed: ["/motd"], forbidden: ["/storage"] }],
    [
      "an adoptable field outside the schema",
      { ...base, maxPlayers: 5000, motd: "x" },
      { allowed: [], forbidden: ["/maxPlayers", "/motd"] },
    ],
  ];
  for (const [name, to, want] of cases) {
    it(name, () => {
      const result = checkAdoption(rec, base, to);
      assert.deepEqual({ allowed: result.allowed, forbidden: result.forbidden }, want);
      assert.deepEqual(result.fields, [...want.allowed, ...want.forbidden].sort());
    });
  }
});
