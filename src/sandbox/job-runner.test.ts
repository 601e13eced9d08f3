import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { buildBackupJob } from "../resources/backup-job.ts";
import { localEnvironment, sandboxClaimDir } from "./job-runner.ts";

const podOf = (operation: "backup" | "delete"): V1Pod => {
  const job = buildBackupJob({
    operation,
    backupId: "0b5c3f0e-1111-4222-8333-444455556666",
    run: "r1",
    namespace: "games",
    stack: "mc",
    worldClaim: "data-mc-0",
    targetClaim: "mc-backups",
    archive: "a.tar.gz",
  });
  return { metadata: { namespace: "games" }, spec: job.spec!.template.spec! };
};

describe("localEnvironment", () => {
  const dir = (claim: string): string => sandboxClaimDir("/v", "games", claim);
  const cases: Array<[string, V1Pod, Record<string, string>]> = [
    [
      "a backup's mounts become the claims' folders; the termination log a scratch file",
      podOf("backup"),
      {
        DATA: "/v/games/data-mc-0",
        TARGET: "/v/games/mc-backups/mc",
        ARCHIVE: "a.tar.gz",
        TERMINATION_LOG: "/scratch/log",
      },
    ],
    [
      "a delete mounts no world, so /data is not mapped (and not used by its script)",
      podOf("delete"),
      {
        DATA: "/data",
        TARGET: "/v/games/mc-backups/mc",
        ARCHIVE: "a.tar.gz",
        TERMINATION_LOG: "/scratch/log",
      },
    ],
  ];
  for (const [name, pod, want] of cases)
    it(name, () => assert.deepEqual(localEnvironment(pod, dir, "/scratch/log"), want));

  it("a value that only starts like a mount path is left alone", () => {
    const pod = podOf("backup");
    pod.spec!.containers[0]!.env = [{ name: "X", value: "/database" }];
    assert.deepEqual(localEnvironment(pod, dir, "/s"), { X: "/database" });
  });
});
