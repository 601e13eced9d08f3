import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapePointerToken, formatPointer, parsePointer, valueAt } from "./json-pointer.ts";

describe("JSON pointers", () => {
  const cases: Array<[pointer: string, tokens: string[]]> = [
    ["", []],
    ["/a", ["a"]],
    ["/a/b", ["a", "b"]],
    ["/a~1b", ["a/b"]],
    ["/m~0n", ["m~n"]],
    ["/~01", ["~1"]],
    ["/spec/replicas", ["spec", "replicas"]],
    ["/", [""]],
  ];
  for (const [pointer, tokens] of cases) {
    it(`${JSON.stringify(pointer)} ⇄ ${JSON.stringify(tokens)}`, () => {
      assert.deepEqual(parsePointer(pointer), tokens);
      assert.equal(formatPointer(tokens), pointer);
    });
  }

  it("escapes ~ before /, so ~1 in a key survives", () => {
    assert.equal(escapePointerToken("~1/"), "~01~1");
  });

  const doc = { a: { "b/c": [10, { d: null }] }, "": 5 };
  const lookups: Array<[pointer: string, want: unknown]> = [
    ["", doc],
    ["/a/b~1c/0", 10],
    ["/a/b~1c/1/d", null],
    ["/a/missing", undefined],
    ["/a/b~1c/1/d/deeper", undefined],
    ["/", 5],
  ];
  for (const [pointer, want] of lookups) {
    it(`valueAt ${JSON.stringify(pointer)}`, () => {
      assert.deepEqual(valueAt(doc, pointer), want);
      assert.deepEqual(valueAt(doc, parsePointer(pointer)), want);
    });
  }
});
