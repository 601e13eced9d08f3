import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ResourceTypes, resourcePath } from "./resource-type.ts";
import { splitApiVersion, type ResourceType } from "../api/resource-type.ts";

const deployments: ResourceType = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
};
const pods: ResourceType = { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true };
const nodes: ResourceType = { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false };

describe("resourcePath", () => {
  const cases: Array<[string, ResourceType, Array<string | undefined>, string]> = [
    ["core collection in a namespace", pods, ["ns"], "/api/v1/namespaces/ns/pods"],
    ["core object", pods, ["ns", "p"], "/api/v1/namespaces/ns/pods/p"],
    ["all namespaces", pods, [], "/api/v1/pods"],
    [
      "grouped object status",
      deployments,
      ["ns", "web", "status"],
      "/apis/apps/v1/namespaces/ns/deployments/web/status",
    ],
    ["cluster-scoped ignores the namespace", nodes, ["ns", "n1"], "/api/v1/nodes/n1"],
    ["names are escaped", pods, ["ns", "a b"], "/api/v1/namespaces/ns/pods/a%20b"],
  ];
  for (const [name, type, args, expected] of cases) {
    it(name, () => assert.equal(resourcePath(type, args[0], args[1], args[2]), expected));
  }
});

describe("splitApiVersion", () => {
  it("splits grouped and core versions", () => {
    assert.deepEqual(splitApiVersion("apps/v1"), ["apps", "v1"]);
    assert.deepEqual(splitApiVersion("v1"), ["", "v1"]);
    assert.deepEqual(splitApiVersion("stackwarden.dev/v1alpha1"), ["stackwarden.dev", "v1alpha1"]);
  });
});

describe("ResourceTypes", () => {
  it("knows the built-in kinds without asking the server", () => {
    const types = new ResourceTypes();
    assert.equal(types.known("apps/v1", "StatefulSet")?.plural, "statefulsets");
    assert.equal(types.known("v1", "Namespace")?.namespaced, false);
    assert.equal(types.known("example.com/v1", "Widget"), undefined);
  });
});
