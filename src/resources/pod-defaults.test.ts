import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { restrictedContainerSecurityContext, restrictedSecurityContext } from "./pod-defaults.ts";

describe("pod defaults", () => {
  const podCases: Array<{ ids: Parameters<typeof restrictedSecurityContext>[0]; want: object }> = [
    { ids: {}, want: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
    {
      ids: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      want: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      },
    },
  ];
  for (const [i, c] of podCases.entries()) {
    it(`restrictedSecurityContext ${i}`, () => assert.deepEqual(restrictedSecurityContext(c.ids), c.want));
  }

  const containerCases: Array<{
    options: Parameters<typeof restrictedContainerSecurityContext>[0];
    want: object;
  }> = [
    {
      options: {},
      want: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
    },
    {
      options: { readOnlyRootFilesystem: true },
      want: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
        readOnlyRootFilesystem: true,
      },
    },
  ];
  for (const [i, c] of containerCases.entries()) {
    it(`restrictedContainerSecurityContext ${i}`, () =>
      assert.deepEqual(restrictedContainerSecurityContext(c.options), c.want));
  }
});
