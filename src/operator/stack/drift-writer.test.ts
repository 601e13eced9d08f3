import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { classifyWriter } from "./drift-writer.ts";

describe("classifyWriter", () => {
  const cases: Array<[change: "Modified" | "Deleted", manager: string, want: "Person" | "Controller"]> = [
    ["Deleted", "unknown", "Person"],
    ["Deleted", "argocd-controller", "Person"],
    ["Modified", "kubectl", "Person"],
    ["Modified", "kubectl-edit", "Person"],
    ["Modified", "kubectl-patch", "Person"],
    ["Modified", "kubectl-client-side-apply", "Person"],
    ["Modified", "kubectl-scale", "Person"],
    ["Modified", "k9s", "Person"],
    ["Modified", "Mozilla", "Person"],
    ["Modified", "kube-controller-manager", "Controller"],
    ["Modified", "argocd-controller", "Controller"],
    ["Modified", "hpa-like", "Controller"],
    ["Modified", "kubectlish-operator", "Controller"],
    ["Modified", "unknown", "Controller"],
  ];
  for (const [change, manager, want] of cases) {
    it(`${change} by ${manager} is a ${want}'s`, () => assert.equal(classifyWriter(change, manager), want));
  }
});
