import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Stack } from "../../api/stack.ts";
import type { ManagedFieldsEntry } from "../../api/object.ts";
import {
  adoptParams,
  foreignSpecEdit,
  paramPointers,
  removalPatch,
  specDrift,
  specWriter,
} from "./stack-drift.ts";

const stack = (params: Record<string, unknown>, managedFields: ManagedFieldsEntry[] = []): Stack => ({
  apiVersion: "stackwarden.dev/v1alpha1",
  kind: "Stack",
  metadata: { name: "s", namespace: "n", managedFields },
  spec: {
    template: "minecraft-java",
    params,
    paused: false,
    drift: { policy: "enforce", ignore: [] },
    deletionPolicy: { volumes: "Retain" },
  },
});

describe("specDrift", () => {
  const cases: Array<{ name: string; live: Record<string, unknown>; drift: string[] }> = [
    { name: "as desired", live: { eula: true, maxPlayers: 20 }, drift: [] },
    { name: "a changed value", live: { eula: true, maxPlayers: 99 }, drift: ["/spec/params/maxPlayers"] },
    {
      name: "an added key",
      live: { eula: true, maxPlayers: 20, motd: "x" },
      drift: ["/spec/params/motd"],
    },
    { name: "a removed key", live: { eula: true }, drift: ["/spec/params/maxPlayers"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const drift = specDrift(stack({ eula: true, maxPlayers: 20 }), stack(c.live));
      assert.deepEqual(drift, c.drift);
      assert.deepEqual(
        paramPointers(drift),
        c.drift.map((p) => p.slice("/spec/params".length)),
      );
    });
  }
});

describe("specWriter", () => {
  const spec = { "f:spec": { "f:params": {} } };
  const cases: Array<{ name: string; fields: ManagedFieldsEntry[]; actor: string }> = [
    {
      name: "nobody else",
      fields: [{ manager: "stackwarden-control-plane", fieldsV1: spec }],
      actor: "unknown",
    },
    {
      name: "the newest other spec writer",
      fields: [
        { manager: "stackwarden-control-plane", fieldsV1: spec, time: "2026-01-01T00:00:03Z" },
        { manager: "kubectl-edit", fieldsV1: spec, time: "2026-01-01T00:00:01Z" },
        { manager: "kubectl-patch", fieldsV1: spec, time: "2026-01-01T00:00:02Z" },
      ],
      actor: "kubectl-patch",
    },
    {
      name: "not a status writer, not a metadata writer",
      fields: [
        {
          manager: "stackwarden",
          subresource: "status",
          fieldsV1: { "f:status": {} },
          time: "2026-01-01T00:00:05Z",
        },
        {
          manager: "stackwarden",
          fieldsV1: { "f:metadata": { "f:finalizers": {} } },
          time: "2026-01-01T00:00:05Z",
        },
        { manager: "argocd-controller", fieldsV1: spec, time: "2026-01-01T00:00:01Z" },
      ],
      actor: "argocd-controller",
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(specWriter(stack({}, c.fields), "stackwarden-control-plane"), c.actor));
  }
});

describe("adoptParams", () => {
  const cases: Array<{
    name: string;
    stored: Record<string, unknown>;
    live: Record<string, unknown>;
    adopted: string[];
    out: Record<string, unknown>;
  }> = [
    {
      name: "takes an adopted value, leaves defaults out",
      stored: { eula: true },
      live: { eula: true, memory: "2G", motd: "hi" },
      adopted: ["/motd"],
      out: { eula: true, motd: "hi" },
    },
    {
      name: "removes an adopted key live no longer has",
      stored: { eula: true, motd: "hi" },
      live: { eula: true },
      adopted: ["/motd"],
      out: { eula: true },
    },
    {
      name: "nested pointers and escaped keys",
      stored: { a: { "x/y": 1 } },
      live: { a: { "x/y": 2 } },
      adopted: ["/a/x~1y"],
      out: { a: { "x/y": 2 } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.stored);
      assert.deepEqual(adoptParams(c.stored, c.live, c.adopted), c.out);
      assert.deepEqual(c.stored, before, "the input is not modified");
    });
  }
});

describe("removalPatch", () => {
  const cases: Array<{ name: string; live: Record<string, unknown>; patch: unknown }> = [
    { name: "nothing extra", live: { eula: true }, patch: undefined },
    { name: "a changed value is not removed", live: { eula: false }, patch: undefined },
    {
      name: "an added key is nulled",
      live: { eula: true, motd: "x" },
      patch: { spec: { params: { motd: null } } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(removalPatch(stack({ eula: true }), stack(c.live)), c.patch));
  }
});

describe("foreignSpecEdit", () => {
  const spec = { "f:spec": { "f:params": {} } };
  const desired = stack({ eula: true });
  it("none when the spec is as desired", () => {
    assert.equal(
      foreignSpecEdit(desired, stack({ eula: true }, [{ manager: "kubectl-edit", fieldsV1: spec }]), "me"),
      undefined,
    );
  });
  it("an edit by another manager", () => {
    assert.deepEqual(
      foreignSpecEdit(desired, stack({ eula: false }, [{ manager: "kubectl-edit", fieldsV1: spec }]), "me"),
      {
        fields: ["/spec/params/eula"],
        actor: "kubectl-edit",
      },
    );
  });
  it("not an edit when nobody else owns the spec (a server default), so it is never fought over", () => {
    assert.equal(
      foreignSpecEdit(desired, stack({ eula: true, extra: 1 }, [{ manager: "me", fieldsV1: spec }]), "me"),
      undefined,
    );
  });
});
