import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseComponentName } from "./restart-component.ts";

describe("parseComponentName", () => {
  for (const name of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]) {
    it(`accepts ${name}`, () => assert.equal(parseComponentName(name), name));
  }
  for (const name of ["apiserver", "", "KUBE-APISERVER", "etcd "]) {
    it(`refuses ${JSON.stringify(name)}, naming the components`, () => {
      assert.throws(
        () => parseComponentName(name),
        (e: unknown) =>
          e instanceof Error &&
          e.message.includes(JSON.stringify(name)) &&
          e.message.includes("etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok"),
      );
    });
  }
});
