import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { buildBackupJob } from "../resources/backup-job.ts";
import {
  localEnvironment,
  missingSecretMessage,
  sandboxClaimDir,
  secretRefs,
  secretValueKey,
} from "./job-runner.ts";

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

  it("an S3 Job: the emptyDir becomes a scratch folder, the Secret's keys their values", () => {
    const job = buildBackupJob({
      operation: "backup",
      backupId: "0b5c3f0e-1111-4222-8333-444455556666",
      run: "r1",
      namespace: "games",
      stack: "mc",
      worldClaim: "data-mc-0",
      targetClaim: "",
      archive: "a.tar.gz",
      s3: {
        endpoint: "http://127.0.0.1:9000",
        bucket: "b",
        key: "mc/a.tar.gz",
        region: "us-east-1",
        forcePathStyle: true,
        secret: { name: "creds", accessKeyKey: "ak", secretKeyKey: "sk" },
      },
    });
    const pod: V1Pod = { metadata: { namespace: "games" }, spec: job.spec!.template.spec! };
    assert.deepEqual(secretRefs(pod), [
      ["creds", "ak"],
      ["creds", "sk"],
    ]);
    const secrets = new Map([
      [secretValueKey("creds", "ak"), "AK"],
      [secretValueKey("creds", "sk"), "SK"],
    ]);
    const env = localEnvironment(pod, dir, "/s/log", { emptyDir: (v) => `/s/${v}`, secrets });
    assert.deepEqual(env, {
      DATA: "/v/games/data-mc-0",
      SCRATCH: "/s/scratch",
      ARCHIVE: "a.tar.gz",
      TERMINATION_LOG: "/s/log",
      S3_URL: "http://127.0.0.1:9000/b/mc/a.tar.gz",
      S3_BUCKET: "b",
      S3_BUCKET_URL: "http://127.0.0.1:9000/b",
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY: "AK",
      S3_SECRET_KEY: "SK",
    });
  });

  it("a value that only starts like a mount path is left alone", () => {
    const pod = podOf("backup");
    pod.spec!.containers[0]!.env = [{ name: "X", value: "/database" }];
    assert.deepEqual(localEnvironment(pod, dir, "/s"), { X: "/database" });
  });
});

describe("missingSecretMessage", () => {
  it("says what the kubelet says of a missing Secret and of a missing key", () => {
    assert.equal(missingSecretMessage("games", "s3-creds", "AK", false), 'secret "s3-creds" not found');
    assert.equal(
      missingSecretMessage("games", "s3-creds", "AK", true),
      "couldn't find key AK in Secret games/s3-creds",
    );
  });
});
