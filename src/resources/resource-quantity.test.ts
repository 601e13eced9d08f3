import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatBytes, parseQuantity } from "./resource-quantity.ts";

describe("parseQuantity", () => {
  const cases: Array<[string | number | undefined, number | undefined]> = [
    ["500m", 0.5],
    ["2", 2],
    ["1.5", 1.5],
    ["2Gi", 2 * 2 ** 30],
    ["2560Mi", 2560 * 2 ** 20],
    ["1G", 1e9],
    ["1k", 1000],
    ["1e3", 1000],
    [".5", 0.5],
    [7, 7],
    ["", undefined],
    ["2 Gi", undefined],
    ["lots", undefined],
    [undefined, undefined],
  ];
  for (const [input, expected] of cases)
    it(`${String(input)} → ${String(expected)}`, () => assert.equal(parseQuantity(input), expected));
});

describe("formatBytes", () => {
  it("uses the largest binary unit", () => {
    assert.equal(formatBytes(1536 * 2 ** 20), "1.5Gi");
    assert.equal(formatBytes(512 * 2 ** 20), "512Mi");
    assert.equal(formatBytes(900), "900");
  });
});
