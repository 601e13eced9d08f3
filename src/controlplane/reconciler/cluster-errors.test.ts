import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeApiError, KubeNetworkError } from "../../kube/errors.ts";
import { StoreUnavailableError } from "../store/database.ts";
import { isClusterUnreachable, isStoreUnavailable } from "./cluster-errors.ts";

describe("isClusterUnreachable", () => {
  const cases: Array<{ name: string; error: unknown; unreachable: boolean }> = [
    {
      name: "connection refused",
      error: new KubeNetworkError("GET", "/x", { code: "ECONNREFUSED" }),
      unreachable: true,
    },
    {
      name: "connection reset",
      error: new KubeNetworkError("PATCH", "/x", { code: "ECONNRESET" }),
      unreachable: true,
    },
    { name: "503", error: new KubeApiError("PATCH", "/x", 503, undefined), unreachable: true },
    { name: "500", error: new KubeApiError("PATCH", "/x", 500, undefined), unreachable: true },
    {
      name: "422 is the request's fault",
      error: new KubeApiError("PATCH", "/x", 422, undefined),
      unreachable: false,
    },
    { name: "404", error: new KubeApiError("GET", "/x", 404, undefined), unreachable: false },
    {
      name: "wrapped as a cause",
      error: new Error("apply failed", { cause: new KubeNetworkError("GET", "/x", { code: "ETIMEDOUT" }) }),
      unreachable: true,
    },
    { name: "anything else", error: new Error("boom"), unreachable: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(isClusterUnreachable(c.error), c.unreachable));
});

describe("isStoreUnavailable", () => {
  it("finds the store's error, also as a cause", () => {
    assert.equal(isStoreUnavailable(new StoreUnavailableError("down")), true);
    assert.equal(isStoreUnavailable(new Error("x", { cause: new StoreUnavailableError("down") })), true);
    assert.equal(isStoreUnavailable(new Error("x")), false);
  });
});
