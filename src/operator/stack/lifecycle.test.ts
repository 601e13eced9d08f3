import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decide, type Observation, type StackPhase } from "./lifecycle.ts";

const healthy = { name: "server", healthy: true, message: "ready" };
const unhealthy = { name: "server", healthy: false, message: "0/1 ready" };
const base: Observation = {
  deleting: false,
  paused: false,
  invalid: [],
  missing: [],
  installedBefore: false,
  upgrading: false,
  components: [{ name: "config", healthy: true, message: "" }, unhealthy],
  failures: 0,
  failedAfter: 5,
};

describe("decide", () => {
  const cases: Array<[string, Partial<Observation>, StackPhase, string, Record<string, string>]> = [
    [
      "fresh stack installs",
      {},
      "Installing",
      "Installing",
      { Ready: "False", Progressing: "True", Available: "False" },
    ],
    [
      "all components healthy is Ready",
      { components: [healthy] },
      "Ready",
      "AllComponentsReady",
      { Ready: "True", Available: "True", Degraded: "False" },
    ],
    [
      "a missing Secret keeps it Pending",
      { missing: ["Secret/rcon (from /existingRconSecret)"] },
      "Pending",
      "PrerequisiteMissing",
      { Progressing: "True", Ready: "False" },
    ],
    [
      "an invalid spec fails at once",
      { invalid: ["/memory: must be between 512M and 16G"] },
      "Failed",
      "InvalidSpec",
      { Degraded: "True" },
    ],
    [
      "invalid beats missing prerequisites",
      { invalid: ["/eula: required"], missing: ["Secret/x"] },
      "Failed",
      "InvalidSpec",
      {},
    ],
    [
      "repeated failures are Failed",
      { failures: 5, lastError: "boom" },
      "Failed",
      "ReconcileError",
      { Degraded: "True" },
    ],
    ["four failures are not yet", { failures: 4 }, "Installing", "Installing", {}],
    [
      "an upgrade of an installed stack",
      { installedBefore: true, upgrading: true },
      "Upgrading",
      "Upgrading",
      { Progressing: "True" },
    ],
    [
      "an upgrade that finished is Ready",
      { installedBefore: true, upgrading: true, components: [healthy] },
      "Ready",
      "AllComponentsReady",
      {},
    ],
    [
      "a component past its deadline rolls back",
      { installedBefore: true, upgrading: true, rollingBack: "server not healthy within 300 s" },
      "Upgrading",
      "RollingBack",
      { Degraded: "True" },
    ],
    [
      "after a rollback it is Ready but Degraded",
      { installedBefore: true, rolledBack: "upgrade to 1.21 failed", components: [healthy] },
      "Ready",
      "AllComponentsReady",
      { Degraded: "True", Ready: "True" },
    ],
    [
      "deleting wins over everything",
      { deleting: true, paused: true, invalid: ["/x: bad"] },
      "Deleting",
      "Deleting",
      { Progressing: "True" },
    ],
    [
      "paused wins over the rest",
      { paused: true, invalid: ["/x: bad"] },
      "Paused",
      "Paused",
      { Paused: "True" },
    ],
    [
      "a drift fight degrades a ready stack",
      { components: [healthy], driftFight: "Service/mc spec.ports fought by kubectl" },
      "Ready",
      "AllComponentsReady",
      { Degraded: "True" },
    ],
  ];
  for (const [name, patch, phase, reason, conditions] of cases) {
    it(name, () => {
      const d = decide({ ...base, ...patch });
      assert.equal(d.phase, phase);
      assert.equal(d.reason, reason);
      for (const [type, status] of Object.entries(conditions)) {
        assert.equal(d.conditions[type as keyof typeof d.conditions].status, status, `${type} of ${name}`);
      }
    });
  }

  it("names what it waits for", () => {
    const d = decide(base);
    assert.match(d.message, /1\/2 components ready; waiting for server: 0\/1 ready/);
    assert.match(
      decide({ ...base, missing: ["Secret/rcon (from /existingRconSecret)"] }).message,
      /Secret\/rcon/,
    );
  });

  it("is the same for the same observation", () => {
    assert.deepEqual(decide(base), decide({ ...base }));
  });
});
