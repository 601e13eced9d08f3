import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { formatProblem, validate } from "./validate.ts";

const Schema = Type.Object(
  {
    eula: Type.Literal(true, { errorMessage: "you must accept the EULA" }),
    memory: Type.String({ pattern: "^\\d+[MG]$", default: "2G" }),
    mode: Type.Union([Type.Literal("a"), Type.Literal("b")], { default: "a" }),
    players: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
    motd: Type.Optional(Type.String({ maxLength: 5 })),
    ops: Type.Optional(Type.Array(Type.String())),
    nested: Type.Optional(
      Type.Object({ x: Type.Boolean({ default: true }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

describe("validate", () => {
  const cases: Array<{ name: string; input: unknown; problems: string[] }> = [
    { name: "valid", input: { eula: true }, problems: [] },
    { name: "missing required, custom message", input: {}, problems: ["/eula: you must accept the EULA"] },
    { name: "wrong const", input: { eula: false }, problems: ["/eula: you must accept the EULA"] },
    { name: "pattern", input: { eula: true, memory: "2X" }, problems: ["/memory: must match ^\\d+[MG]$"] },
    { name: "enum", input: { eula: true, mode: "c" }, problems: ["/mode: must be one of a, b"] },
    { name: "minimum", input: { eula: true, players: 0 }, problems: ["/players: must be at least 1"] },
    { name: "maximum", input: { eula: true, players: 501 }, problems: ["/players: must be at most 500"] },
    { name: "integer", input: { eula: true, players: 1.5 }, problems: ["/players: must be an integer"] },
    {
      name: "maxLength",
      input: { eula: true, motd: "toolong" },
      problems: ["/motd: must be at most 5 characters"],
    },
    { name: "item type", input: { eula: true, ops: [1] }, problems: ["/ops/0: must be a string"] },
    {
      name: "unknown field",
      input: { eula: true, colour: "red" },
      problems: ['/colour: unknown field "colour"'],
    },
    {
      name: "unknown nested field",
      input: { eula: true, nested: { y: 1 } },
      problems: ['/nested/y: unknown field "y"'],
    },
    {
      name: "several problems in schema order",
      input: { memory: "x", players: 0 },
      problems: [
        "/eula: you must accept the EULA",
        "/memory: must match ^\\d+[MG]$",
        "/players: must be at least 1",
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = validate(Schema, c.input);
      if (c.problems.length === 0) assert.equal(result.ok, true);
      else assert.deepEqual(result.ok ? [] : result.problems.map(formatProblem), c.problems);
    });
  }

  it("applies defaults to a deep clone and leaves the input alone", () => {
    const input = { eula: true, nested: {} };
    const result = validate(Schema, input);
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      eula: true,
      memory: "2G",
      mode: "a",
      players: 20,
      nested: { x: true },
    });
    assert.deepEqual(input, { eula: true, nested: {} });
    assert.notEqual(result.value.nested, input.nested);
  });

  it("formats a problem at the root as /", () => {
    assert.equal(formatProblem({ path: "", message: "must be an object" }), "/: must be an object");
  });
});
