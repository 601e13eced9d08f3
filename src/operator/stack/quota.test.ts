import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object.ts";
import { quotaNeeds, quotaShortfalls, type ResourceQuota } from "./quota.ts";

const sts = (replicas: number, memory: string, cpu = "250m"): KubeObject =>
  ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "s" },
    spec: {
      replicas,
      template: { spec: { containers: [{ resources: { requests: { cpu, memory }, limits: { memory } } }] } },
    },
  }) as KubeObject;
const quota = (hard: Record<string, string>, used: Record<string, string> = {}): ResourceQuota => ({
  metadata: { name: "team" },
  status: { hard, used },
});

describe("quotaNeeds", () => {
  it("multiplies container requests by replicas and counts pods", () => {
    const need = quotaNeeds([
      sts(2, "1Gi"),
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
    ]);
    assert.equal(need.pods, 2);
    assert.equal(need["requests.memory"], 2 * 2 ** 30);
    assert.equal(need["requests.cpu"], 0.5);
  });
});

describe("quotaShortfalls", () => {
  const cases: Array<[string, ResourceQuota, string[]]> = [
    ["room to spare", quota({ "requests.memory": "4Gi" }), []],
    [
      "not enough memory left",
      quota({ "requests.memory": "4Gi" }, { "requests.memory": "3Gi" }),
      ["ResourceQuota/team (requests.memory: needs 1.5Gi, 1Gi left)"],
    ],
    [
      "plain memory counts as requests",
      quota({ memory: "1Gi" }),
      ["ResourceQuota/team (memory: needs 1.5Gi, 1Gi left)"],
    ],
    ["pods", quota({ pods: "0" }), ["ResourceQuota/team (pods: needs 1, 0 left)"]],
    ["a resource the quota does not limit", quota({ "requests.storage": "1Gi" }), []],
  ];
  for (const [name, q, expected] of cases) {
    it(name, () => assert.deepEqual(quotaShortfalls([q], [sts(1, "1536Mi")]), expected));
  }
});
