import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { errorClassOf } from "../engine/errors.ts";
import {
  KubeApiError,
  KubeNetworkError,
  classifyStatus,
  isConflict,
  isExpired,
  isNotFound,
} from "./errors.ts";

describe("classifyStatus", () => {
  const cases: Array<[number, ReturnType<typeof classifyStatus>]> = [
    [200, "unknown"],
    [400, "permanent"],
    [401, "permanent"],
    [403, "permanent"],
    [404, "permanent"],
    [408, "transient"],
    [409, "transient"],
    [410, "transient"],
    [422, "permanent"],
    [429, "transient"],
    [500, "transient"],
    [503, "transient"],
    [504, "transient"],
  ];
  for (const [status, expected] of cases)
    it(`${status} → ${expected}`, () => assert.equal(classifyStatus(status), expected));
});

describe("KubeApiError", () => {
  it("is classified by code and reason, whatever the message says", () => {
    const conflict = new KubeApiError("PATCH", "/x", 409, {
      reason: "Conflict",
      message: "not found anywhere",
    });
    assert.equal(isConflict(conflict), true);
    assert.equal(isNotFound(conflict), false);
    assert.equal(errorClassOf(new Error("wrapped", { cause: conflict })), "transient");
    const expired = new KubeApiError("GET", "/x", 410, { reason: "Expired" });
    assert.equal(isExpired(expired), true);
  });

  it("names the fields a validation failure points at", () => {
    const invalid = new KubeApiError("POST", "/x", 422, {
      reason: "Invalid",
      details: { causes: [{ field: "spec.replicas", reason: "FieldValueInvalid" }, { reason: "NoField" }] },
    });
    assert.deepEqual(invalid.fields, ["spec.replicas"]);
    assert.equal(errorClassOf(invalid), "permanent");
  });
});

describe("KubeNetworkError", () => {
  it("is transient and keeps the system error code", () => {
    const e = new KubeNetworkError(
      "GET",
      "/x",
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    );
    assert.equal(e.code, "ECONNRESET");
    assert.equal(errorClassOf(e), "transient");
  });
});
