import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadAll } from "js-yaml";
import { criLogLine, kwokEnvironment, podLogFiles, renderKwokDebugging } from "./kwok-debugging.ts";
import { sandboxPaths } from "./paths.ts";

interface KwokObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly spec: Record<string, unknown>;
}

const paths = sandboxPaths("unit", { STACKWARDEN_STATE_DIR: "/state" });

describe("renderKwokDebugging", () => {
  const docs = loadAll(renderKwokDebugging(paths)) as KwokObject[];
  const files = podLogFiles(paths);

  it("serves the game-server container's log and previous log, and an empty log for others", () => {
    const logs = docs.find((d) => d.kind === "ClusterLogs");
    assert.equal(logs?.apiVersion, "kwok.x-k8s.io/v1alpha1");
    assert.deepEqual(logs?.spec["logs"], [
      { containers: ["server"], logsFile: files.game, previousLogsFile: files.gamePrevious, follow: true },
      { logsFile: files.other, previousLogsFile: files.other, follow: true },
    ]);
  });

  it("runs exec locally in the sandbox folder, telling the stand-ins where the game log is", () => {
    const exec = docs.find((d) => d.kind === "ClusterExec");
    assert.deepEqual(exec?.spec["execs"], [
      { local: { workDir: "/state/sandbox/unit", envs: [{ name: "SANDBOX_GAME_LOG", value: files.game }] } },
    ]);
  });
});

describe("criLogLine and kwokEnvironment", () => {
  it("writes the CRI log format KWOK reads", () => {
    assert.equal(criLogLine(new Date(0), "hi"), "1970-01-01T00:00:00.000Z stdout F hi\n");
  });
  it("puts the stand-ins first on KWOK's PATH", () => {
    assert.equal(kwokEnvironment(paths, { PATH: "/usr/bin" })["PATH"], "/state/sandbox/unit/bin:/usr/bin");
  });
});
