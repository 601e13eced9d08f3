import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parsePlayerList } from "./players.ts";

describe("parsePlayerList", () => {
  const cases: Array<[string, string, ReturnType<typeof parsePlayerList>]> = [
    [
      "two players",
      "There are 2 of a max of 20 players online: Alex, Steve",
      { online: 2, max: 20, names: ["Alex", "Steve"] },
    ],
    ["nobody", "There are 0 of a max of 20 players online: ", { online: 0, max: 20, names: [] }],
    ["older servers' wording", "There are 1/10 players online:", null],
    [
      "older servers without 'of'",
      "There are 1 of a max 10 players online: Sam",
      { online: 1, max: 10, names: ["Sam"] },
    ],
    ["not a list", "Unknown or incomplete command", null],
  ];
  for (const [name, output, expected] of cases)
    it(name, () => assert.deepEqual(parsePlayerList(output), expected));
});
