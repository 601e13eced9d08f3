import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { StackRecord } from "../store/records.ts";
import { powerRefusal, type PowerAction } from "./power-service.ts";

const stack = (over: Partial<StackRecord>): StackRecord =>
  ({
    name: "mc",
    desiredState: "Active",
    power: "Running",
    powerGeneration: null,
    generation: 3,
    lastAppliedGeneration: 3,
    ...over,
  }) as StackRecord;

describe("powerRefusal", () => {
  const busy = "a power action (generation 3) is still running; try again when it is done";
  const cases: Array<[string, Partial<StackRecord>, PowerAction, string | undefined]> = [
    ["a running server stops", {}, "stop", undefined],
    ["a running server restarts", {}, "restart", undefined],
    ["a stopped server starts", { power: "Stopped", powerGeneration: 3 }, "start", undefined],
    [
      "a stopped server does not restart",
      { power: "Stopped" },
      "restart",
      "the server is stopped: start it instead",
    ],
    [
      "an action not yet observed blocks the next",
      { powerGeneration: 3, lastAppliedGeneration: 2 },
      "start",
      busy,
    ],
    ["…and a restart too", { powerGeneration: 3, lastAppliedGeneration: 2 }, "restart", busy],
    [
      "an older action observed blocks nothing",
      { powerGeneration: 2, lastAppliedGeneration: 2 },
      "stop",
      undefined,
    ],
    ["a deleting stack", { desiredState: "Deleted" }, "stop", "stack mc is being deleted"],
  ];
  for (const [name, over, action, expected] of cases) {
    it(name, () => assert.equal(powerRefusal(stack(over), action), expected));
  }
});
