import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { errorClassOf, terminalErrorOf, TerminalError, toError } from "./errors.ts";

class KubeLikeError extends Error {
  readonly errorClass: string;
  constructor(errorClass: string, options?: ErrorOptions) {
    super("status code 503: please retry", options);
    this.errorClass = errorClass;
  }
}

describe("errorClassOf", () => {
  const cyclic = new Error("cycle");
  (cyclic as { cause?: unknown }).cause = cyclic;
  const cases: Array<[string, unknown, string]> = [
    ["an error declaring transient", new KubeLikeError("transient"), "transient"],
    ["an error declaring permanent", new KubeLikeError("permanent"), "permanent"],
    [
      "a wrapper around a classified cause",
      new Error("apply failed", { cause: new KubeLikeError("transient") }),
      "transient",
    ],
    [
      "an invalid class, falling through to the cause",
      new KubeLikeError("soon", { cause: new KubeLikeError("permanent") }),
      "permanent",
    ],
    ["a plain error, whatever its message says", new Error("ECONNRESET timeout 503 retry"), "unknown"],
    ["a terminal error", new TerminalError("InvalidSpec", "bad"), "permanent"],
    ["a thrown string", "transient", "unknown"],
    ["null", null, "unknown"],
    ["a cyclic cause chain", cyclic, "unknown"],
  ];
  for (const [name, error, expected] of cases) {
    it(`is ${expected} for ${name}`, () => {
      assert.equal(errorClassOf(error), expected);
    });
  }
});

describe("terminalErrorOf", () => {
  const terminal = new TerminalError("InvalidSpec", "spec.replicas must be positive");
  const cases: Array<[string, unknown, TerminalError | undefined]> = [
    ["the error itself", terminal, terminal],
    ["a wrapped one", new Error("reconcile", { cause: terminal }), terminal],
    ["a plain error", new Error("x"), undefined],
    ["a non-error", 42, undefined],
  ];
  for (const [name, error, expected] of cases) {
    it(`finds ${name}`, () => {
      assert.equal(terminalErrorOf(error), expected);
    });
  }

  it("keeps its reason and name", () => {
    assert.equal(terminal.reason, "InvalidSpec");
    assert.equal(terminal.name, "TerminalError");
  });
});

describe("toError", () => {
  it("returns errors unchanged", () => {
    const e = new Error("x");
    assert.equal(toError(e), e);
  });

  const cases: Array<[string, unknown, string]> = [
    ["a string", "boom", "boom"],
    ["an object", { code: 1 }, 'non-Error thrown: {"code":1}'],
    ["undefined", undefined, "non-Error thrown: undefined"],
    ["a bigint", 1n, "non-Error thrown: 1"],
  ];
  for (const [name, value, message] of cases) {
    it(`wraps ${name}, keeping it as the cause`, () => {
      const e = toError(value);
      assert.equal(e.message, message);
      assert.equal(e.cause, value);
    });
  }
});
