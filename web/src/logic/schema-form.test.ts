import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  fieldForPath,
  fieldsFromSchema,
  humanize,
  paramsFromValues,
  valuesFromParams,
  type FieldError,
  type FormValues,
} from "./schema-form.ts";

/** The shape of the minecraft-java params schema as TypeBox writes it (trimmed). */
const schema = {
  type: "object",
  additionalProperties: false,
  required: ["eula", "type", "maxPlayers", "onlineMode", "ops"],
  properties: {
    eula: { type: "boolean", const: true, description: "Accept the Minecraft EULA." },
    type: {
      default: "VANILLA",
      anyOf: [
        { const: "VANILLA", type: "string" },
        { const: "PAPER", type: "string" },
      ],
    },
    memory: { type: "string", default: "2G", pattern: "^\\d+[MG]$" },
    motd: { type: "string", maxLength: 10 },
    maxPlayers: { type: "integer", minimum: 1, maximum: 500, default: 20 },
    onlineMode: { type: "boolean", default: true },
    ops: { type: "array", default: [], maxItems: 2, items: { type: "string", pattern: "^[a-z]{3,}$" } },
    level: { type: "string", enum: ["a", "b"] },
    ratio: { type: "number", minimum: 0.5 },
    name: { type: "string", title: "Server name", minLength: 3 },
    resources: { type: "object", properties: { cpu: { type: "string" } } },
  },
};

describe("fieldsFromSchema", () => {
  const fields = fieldsFromSchema(schema);
  const by = (name: string) => fields.find((f) => f.name === name);
  const cases: Array<[string, Record<string, unknown>]> = [
    ["eula", { kind: "accept", required: true, path: "/eula", label: "Eula" }],
    ["type", { kind: "enum", options: ["VANILLA", "PAPER"], required: false, defaultValue: "VANILLA" }],
    ["memory", { kind: "string", pattern: "^\\d+[MG]$", required: false }],
    ["motd", { kind: "string", maxLength: 10 }],
    ["maxPlayers", { kind: "integer", min: 1, max: 500, label: "Max players" }],
    ["onlineMode", { kind: "boolean", defaultValue: true }],
    ["ops", { kind: "list", maxItems: 2, pattern: "^[a-z]{3,}$" }],
    ["level", { kind: "enum", options: ["a", "b"] }],
    ["ratio", { kind: "number", min: 0.5 }],
    ["name", { label: "Server name", minLength: 3 }],
    ["resources", { kind: "json" }],
  ];
  for (const [name, want] of cases) {
    it(name, () => {
      const f = by(name);
      assert.ok(f, `no field ${name}`);
      for (const [k, v] of Object.entries(want))
        assert.deepEqual((f as unknown as Record<string, unknown>)[k], v, k);
    });
  }
  it("puts required fields first in the order of `required`, then the rest in schema order", () =>
    assert.equal(
      fields.map((f) => f.name).join(),
      "eula,type,maxPlayers,onlineMode,ops,memory,motd,level,ratio,name,resources",
    ));
  it("orders the same whatever order the properties come in (jsonb sorts keys)", () => {
    const shuffled = {
      ...schema,
      properties: Object.fromEntries(Object.entries(schema.properties).reverse()),
    };
    assert.deepEqual(
      fieldsFromSchema(shuffled)
        .slice(0, 5)
        .map((f) => f.name),
      ["eula", "type", "maxPlayers", "onlineMode", "ops"],
    );
  });
  it("has no fields for a schema without properties", () =>
    assert.deepEqual(fieldsFromSchema({ type: "string" }), []));
  it("has no fields for nothing", () => assert.deepEqual(fieldsFromSchema(undefined), []));
});

describe("valuesFromParams", () => {
  const fields = fieldsFromSchema(schema);
  it("shows defaults for a new stack", () => {
    const v = valuesFromParams(fields, {});
    assert.deepEqual(
      [
        v["eula"],
        v["type"],
        v["memory"],
        v["maxPlayers"],
        v["onlineMode"],
        v["ops"],
        v["motd"],
        v["resources"],
      ],
      [false, "VANILLA", "2G", "20", true, "", "", ""],
    );
  });
  it("shows a stack's params", () => {
    const v = valuesFromParams(fields, {
      eula: true,
      maxPlayers: 7,
      ops: ["ann", "bob"],
      resources: { cpu: "1" },
    });
    assert.deepEqual(
      [v["eula"], v["maxPlayers"], v["ops"], v["resources"]],
      [true, "7", "ann\nbob", '{\n  "cpu": "1"\n}'],
    );
  });
});

describe("paramsFromValues", () => {
  const fields = fieldsFromSchema(schema);
  const base: FormValues = { ...valuesFromParams(fields, {}), eula: true };
  const cases: Array<[string, FormValues, Record<string, unknown> | FieldError[]]> = [
    [
      "defaults and the EULA",
      base,
      { eula: true, type: "VANILLA", memory: "2G", maxPlayers: 20, onlineMode: true, ops: [] },
    ],
    ["the EULA not accepted", { ...base, eula: false }, [{ field: "eula", message: "must be accepted" }]],
    [
      "below the minimum",
      { ...base, maxPlayers: "0" },
      [{ field: "maxPlayers", message: "must be at least 1" }],
    ],
    [
      "above the maximum",
      { ...base, maxPlayers: "501" },
      [{ field: "maxPlayers", message: "must be at most 500" }],
    ],
    [
      "not whole",
      { ...base, maxPlayers: "2.5" },
      [{ field: "maxPlayers", message: "must be a whole number" }],
    ],
    ["not a number", { ...base, ratio: "x" }, [{ field: "ratio", message: "must be a number" }]],
    ["a pattern", { ...base, memory: "2X" }, [{ field: "memory", message: "must match ^\\d+[MG]$" }]],
    [
      "too long",
      { ...base, motd: "hello there!" },
      [{ field: "motd", message: "must be at most 10 characters" }],
    ],
    ["too short", { ...base, name: "ab" }, [{ field: "name", message: "must be at least 3 characters" }]],
    ["a bad list entry", { ...base, ops: "ann\nB" }, [{ field: "ops", message: '"B" is not valid' }]],
    ["too many entries", { ...base, ops: "ann, bob, cid" }, [{ field: "ops", message: "at most 2 entries" }]],
    ["bad JSON", { ...base, resources: "{" }, [{ field: "resources", message: "must be valid JSON" }]],
    ["an option not offered", { ...base, level: "c" }, [{ field: "level", message: "must be one of a, b" }]],
    [
      "two problems at once",
      { ...base, eula: false, ratio: "x", maxPlayers: "" },
      [
        { field: "eula", message: "must be accepted" },
        { field: "ratio", message: "must be a number" },
      ],
    ],
  ];
  for (const [name, values, want] of cases) {
    it(name, () => {
      const got = paramsFromValues(fields, values);
      if (Array.isArray(want)) assert.deepEqual(got, { ok: false, errors: want });
      else assert.deepEqual(got, { ok: true, params: want });
    });
  }
  it("reads lists, JSON and optional text", () => {
    const got = paramsFromValues(fields, {
      ...base,
      ops: " ann \n\nbob ",
      resources: '{"cpu":"1"}',
      motd: "hi",
    });
    assert.ok(got.ok);
    assert.deepEqual(
      [got.params["ops"], got.params["resources"], got.params["motd"]],
      [["ann", "bob"], { cpu: "1" }, "hi"],
    );
  });
  it("round-trips a stack's params", () => {
    const params = {
      eula: true,
      type: "PAPER",
      memory: "4G",
      maxPlayers: 50,
      onlineMode: false,
      ops: ["ann"],
    };
    assert.deepEqual(paramsFromValues(fields, valuesFromParams(fields, params)), { ok: true, params });
  });
});

describe("fieldForPath", () => {
  const fields = fieldsFromSchema(schema);
  const cases: Array<[string, string]> = [
    ["/memory", "memory"],
    ["/maxPlayers", "maxPlayers"],
    ["/resources/cpu", "resources"],
    ["/params/memory", "memory"],
    ["#/eula", "eula"],
    ["/ops/1", "ops"],
    ["", ""],
    ["/name", "name"],
    ["/unknown", ""],
  ];
  for (const [path, want] of cases)
    it(`${JSON.stringify(path)} → ${JSON.stringify(want)}`, () =>
      assert.equal(fieldForPath(fields, path), want));
});

describe("humanize", () => {
  const cases: Array<[string, string]> = [
    ["maxPlayers", "Max players"],
    ["existingRconSecret", "Existing rcon secret"],
    ["service_type", "Service type"],
    ["eula", "Eula"],
  ];
  for (const [name, want] of cases) it(name, () => assert.equal(humanize(name), want));
});
