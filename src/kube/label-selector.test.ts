import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { matchesLabels, parseLabelSelector, selectorFromLabels } from "./label-selector.ts";

describe("label selectors", () => {
  const labels = { app: "web", tier: "front", "stackwarden.dev/stack": "mc" };
  const cases: Array<[string, boolean]> = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (web, api)", true],
    ["app notin (web)", false],
    ["tier", true],
    ["!tier", false],
    ["!legacy", true],
    ["stackwarden.dev/stack=mc,app=web", true],
    ["stackwarden.dev/stack=mc,app in (db,cache)", false],
  ];
  for (const [selector, expected] of cases) {
    it(`${JSON.stringify(selector)} → ${expected}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), expected);
    });
  }

  it("rejects a malformed selector, naming the part", () => {
    assert.throws(() => parseLabelSelector("app=web,=x"), /cannot parse "=x"/);
  });

  it("renders labels as a stable equality selector", () => {
    assert.equal(selectorFromLabels({ b: "2", a: "1" }), "a=1,b=2");
  });
});
