import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionOf, protocolMismatch, revisionOf, type DesiredStack } from "./protocol.ts";

describe("protocolMismatch", () => {
  const cases: Array<[string | undefined, RegExp | undefined]> = [
    ["1.0", undefined],
    ["1.1", /newer than this control plane's 1\.0: upgrade the control plane/],
    ["2.0", /newer/],
    ["0.9", /older than this control plane's 1\.0: upgrade the agent/],
    [undefined, /send the agent protocol version in the stackwarden-agent-protocol header/],
    ["one", /is not a version like 1\.0/],
  ];
  for (const [given, expected] of cases) {
    it(`${String(given)} → ${expected === undefined ? "accepted" : String(expected)}`, () => {
      const answer = protocolMismatch(given, "1.0");
      if (expected === undefined) assert.equal(answer, undefined);
      else assert.match(answer ?? "", expected);
    });
  }
});

describe("revisionOf", () => {
  const stack = (id: string, generation: number): DesiredStack => ({
    id,
    namespace: "n",
    name: id,
    generation,
    desiredState: "Active",
    driftPolicy: "enforce",
    resource: null,
  });
  it("does not depend on order and changes with a generation", () => {
    assert.equal(revisionOf([stack("a", 1), stack("b", 1)]), revisionOf([stack("b", 1), stack("a", 1)]));
    assert.notEqual(revisionOf([stack("a", 1)]), revisionOf([stack("a", 2)]));
  });
});

describe("connectionOf", () => {
  const now = Date.parse("2026-01-01T00:01:00Z");
  const cases: Array<[string, Parameters<typeof connectionOf>[0], ReturnType<typeof connectionOf>]> = [
    ["a direct cluster has none", { mode: "direct", agentJoined: false, lastSeen: null }, null],
    ["never joined", { mode: "agent", agentJoined: false, lastSeen: null }, "Disconnected"],
    ["seen 10 s ago", { mode: "agent", agentJoined: true, lastSeen: "2026-01-01T00:00:50Z" }, "Connected"],
    ["seen 20 s ago", { mode: "agent", agentJoined: true, lastSeen: "2026-01-01T00:00:40Z" }, "Connected"],
    ["seen 21 s ago", { mode: "agent", agentJoined: true, lastSeen: "2026-01-01T00:00:39Z" }, "Disconnected"],
    ["revoked", { mode: "agent", agentJoined: false, lastSeen: "2026-01-01T00:00:59Z" }, "Disconnected"],
  ];
  for (const [name, cluster, expected] of cases) {
    it(name, () => assert.equal(connectionOf(cluster, now), expected));
  }
});
