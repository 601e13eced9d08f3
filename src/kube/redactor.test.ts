import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Redactor } from "./redactor.ts";

describe("Redactor", () => {
  const cases: Array<[name: string, secrets: string[], text: string, want: string]> = [
    ["leaves text alone with nothing registered", [], "password=hunter22", "password=hunter22"],
    ["replaces every occurrence", ["hunter22"], "hunter22 and hunter22", "[redacted] and [redacted]"],
    ["ignores values shorter than four characters", ["abc"], "abc abcd", "abc abcd"],
    ["takes values of exactly four characters", ["abcd"], "abc abcd", "abc [redacted]"],
    [
      "removes a value containing another whole",
      ["pass", "password1"],
      "password1 pass",
      "[redacted] [redacted]",
    ],
    ["treats regular-expression characters literally", ["a.b*c+(d)"], "a.b*c+(d) axbbc", "[redacted] axbbc"],
    ["never rewrites its own marker", ["dact", "s3cret"], "s3cret", "[redacted]"],
    ["replaces a value inside a word", ["t0ken"], "Bearer-t0ken-x", "Bearer-[redacted]-x"],
    ["handles multi-line values", ["line1\nline2"], "x line1\nline2 y", "x [redacted] y"],
    ["is case-sensitive", ["Secret"], "secret Secret", "secret [redacted]"],
  ];
  for (const [name, secrets, text, want] of cases) {
    it(name, () => {
      const r = new Redactor();
      for (const s of secrets) r.register(s);
      assert.equal(r.redact(text), want);
    });
  }

  it("redacts values registered after a first use", () => {
    const r = new Redactor();
    r.register("first-secret");
    assert.equal(r.redact("first-secret second-secret"), "[redacted] second-secret");
    r.register("second-secret");
    assert.equal(r.redact("first-secret second-secret"), "[redacted] [redacted]");
  });
});
