import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalCpu, formatMebibytes, parseMebibytes } from "./quantity.ts";

describe("quantity", () => {
  const sizes: Array<[string, number | undefined]> = [
    ["512M", 512],
    ["2G", 2048],
    ["10Gi", 10240],
    ["1Ti", 1048576],
    ["1T", 1048576],
    ["2.5G", undefined],
    ["2g", undefined],
    ["", undefined],
  ];
  for (const [size, want] of sizes)
    it(`parseMebibytes(${JSON.stringify(size)})`, () => assert.equal(parseMebibytes(size), want));

  const formats: Array<[number, string]> = [
    [2560, "2560Mi"],
    [1024, "1Gi"],
    [3072, "3Gi"],
    [1536, "1536Mi"],
    [1048576, "1Ti"],
    [20480, "20Gi"],
  ];
  for (const [mebibytes, want] of formats)
    it(`formatMebibytes(${mebibytes})`, () => assert.equal(formatMebibytes(mebibytes), want));
  it("formatMebibytes rejects fractions and zero", () => {
    assert.throws(() => formatMebibytes(0.5));
    assert.throws(() => formatMebibytes(0));
  });

  const cpus: Array<[string, string]> = [
    ["500m", "500m"],
    ["1000m", "1"],
    ["0.5", "500m"],
    ["2", "2"],
    ["1.25", "1250m"],
    ["0.001", "1m"],
  ];
  for (const [cpu, want] of cpus) it(`canonicalCpu(${cpu})`, () => assert.equal(canonicalCpu(cpu), want));
  it("canonicalCpu rejects garbage", () => assert.throws(() => canonicalCpu("1 core"), /not a CPU quantity/));
});
