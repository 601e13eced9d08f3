import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { upLeaseName } from "./up.ts";

describe("upLeaseName", () => {
  it("is the operator's usual Lease when up watches every namespace", () => {
    assert.equal(upLeaseName([]), "stackwarden-operator");
  });

  const same: ReadonlyArray<[string[], string[]]> = [
    [
      ["a", "b"],
      ["b", "a"],
    ],
    [["a"], ["a", "a"]],
  ];
  for (const [x, y] of same) {
    it(`is one Lease for ${x.join(",")} and ${y.join(",")} (the same namespaces)`, () => {
      assert.equal(upLeaseName(x), upLeaseName(y));
    });
  }

  const different: ReadonlyArray<[string[], string[]]> = [
    [["a"], ["b"]],
    [["a"], ["a", "b"]],
    [["a"], []],
  ];
  for (const [x, y] of different) {
    it(`is two Leases for ${x.join(",") || "all"} and ${y.join(",") || "all"}`, () => {
      assert.notEqual(upLeaseName(x), upLeaseName(y));
    });
  }

  it("is a valid Lease name", () => {
    assert.match(upLeaseName(["games", "team-b"]), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
