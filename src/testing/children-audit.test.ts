import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/object.ts";
import { auditChildren } from "./children-audit.ts";

const root = (name: string, uid: string): KubeObject => ({ kind: "Stack", metadata: { name, uid } });
const child = (
  kind: string,
  name: string,
  stack: string,
  component: string,
  ownerUid: string | undefined,
  managed = true,
): KubeObject => ({
  kind,
  metadata: {
    name,
    labels: {
      ...(managed ? { "app.kubernetes.io/managed-by": "stackwarden" } : {}),
      "stackwarden.dev/stack": stack,
      "stackwarden.dev/component": component,
    },
    ...(ownerUid
      ? {
          ownerReferences: [
            { apiVersion: "stackwarden.dev/v1alpha1", kind: "Stack", name: stack, uid: ownerUid },
          ],
        }
      : {}),
  },
});

describe("auditChildren", () => {
  const roots = [root("a", "uid-a"), root("b", "uid-b")];
  const table: Array<[string, KubeObject[], { duplicates: string[]; orphans: string[] }]> = [
    [
      "a clean namespace",
      [child("StatefulSet", "a", "a", "server", "uid-a"), child("Service", "a", "a", "service", "uid-a")],
      { duplicates: [], orphans: [] },
    ],
    [
      "two StatefulSets for one component",
      [
        child("StatefulSet", "a", "a", "server", "uid-a"),
        child("StatefulSet", "a-2", "a", "server", "uid-a"),
      ],
      { duplicates: ["a/server/StatefulSet: a, a-2"], orphans: [] },
    ],
    [
      "the same name in two stacks is no duplicate",
      [child("Service", "x", "a", "service", "uid-a"), child("Service", "y", "b", "service", "uid-b")],
      { duplicates: [], orphans: [] },
    ],
    [
      "a child whose owner is gone, and one with no owner",
      [
        child("ConfigMap", "c-config", "c", "config", "uid-c"),
        child("Service", "d", "d", "service", undefined),
      ],
      { duplicates: [], orphans: ["ConfigMap/c-config", "Service/d"] },
    ],
    [
      "objects we do not manage are ignored",
      [
        child("Pod", "a-0", "a", "server", undefined, false),
        child("Pod", "a-1", "a", "server", undefined, false),
      ],
      { duplicates: [], orphans: [] },
    ],
  ];
  for (const [what, children, want] of table) {
    it(what, () => assert.deepEqual(auditChildren(roots, children), want));
  }
});
