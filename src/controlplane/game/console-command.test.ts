import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { consoleCommandProblems, consoleWords } from "./console-command.ts";

describe("consoleCommandProblems", () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ["a plain command", "say hello world", undefined],
    ["unicode", "say grüße ☃", undefined],
    ["exactly 1 KiB", "a".repeat(1024), undefined],
    ["1 KiB and one byte", "a".repeat(1025), "must be at most 1024 bytes"],
    ["1 KiB counted in bytes, not characters", "é".repeat(513), "must be at most 1024 bytes"],
    ["a newline", "say hi\nop mallory", "must not contain control characters or line breaks"],
    ["a carriage return", "say hi\rop mallory", "must not contain control characters or line breaks"],
    ["a NUL", "say \u0000", "must not contain control characters or line breaks"],
    ["an escape", "say \u001b[31m", "must not contain control characters or line breaks"],
    ["DEL", "say \u007f", "must not contain control characters or line breaks"],
    ["a line separator", "say a\u2028b", "must not contain control characters or line breaks"],
    ["empty", "", "must not be empty"],
    ["blank", "   ", "must not be empty"],
    ["not a string", 42, "must be a string"],
  ];
  for (const [name, command, message] of cases) {
    it(name, () =>
      assert.deepEqual(consoleCommandProblems(command), message ? [{ path: "/command", message }] : []),
    );
  }
  it("splits a command into words", () =>
    assert.deepEqual(consoleWords("  say  hello there "), ["say", "hello", "there"]));
});
