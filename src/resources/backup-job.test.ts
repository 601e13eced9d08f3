import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  backupJobName,
  backupScript,
  buildBackupJob,
  parseTerminationMessage,
  s3BackupImage,
  s3BucketUrl,
  s3ObjectUrl,
  type BackupJobRequest,
  type S3Location,
} from "./backup-job.ts";

const request = (over: Partial<BackupJobRequest> = {}): BackupJobRequest => ({
  operation: "backup",
  backupId: "0b5c3f0e-1111-4222-8333-444455556666",
  run: "r1",
  namespace: "games",
  stack: "mc",
  worldClaim: "data-mc-0",
  targetClaim: "mc-backups",
  archive: "mc-20260101T040000Z.tar.gz",
  ...over,
});

describe("buildBackupJob", () => {
  const cases: Array<[string, Partial<BackupJobRequest>, (job: ReturnType<typeof buildBackupJob>) => void]> =
    [
      [
        "a backup mounts the world read-only and the target, no retries",
        {},
        (job) => {
          const pod = job.spec!.template.spec!;
          assert.equal(job.spec!.backoffLimit, 0);
          assert.deepEqual(
            pod.containers[0]!.volumeMounts!.map((m) => [m.mountPath, m.readOnly ?? false]),
            [
              ["/data", true],
              ["/backups", false],
            ],
          );
          assert.deepEqual(
            pod.volumes!.map((v) => v.persistentVolumeClaim!.claimName),
            ["data-mc-0", "mc-backups"],
          );
          assert.equal(pod.affinity, undefined);
        },
      ],
      [
        "a restore writes the world",
        { operation: "restore" },
        (job) => assert.equal(job.spec!.template.spec!.containers[0]!.volumeMounts![0]!.readOnly, false),
      ],
      [
        "a delete does not mount the world and is never tied to its node",
        { operation: "delete", besidePods: { app: "x" } },
        (job) => {
          const pod = job.spec!.template.spec!;
          assert.deepEqual(
            pod.volumes!.map((v) => v.name),
            ["target"],
          );
          assert.equal(pod.affinity, undefined);
        },
      ],
      [
        "a backup of a running server runs beside its pods",
        { besidePods: { "stackwarden.dev/stack": "mc" } },
        (job) => {
          const term =
            job.spec!.template.spec!.affinity!.podAffinity!
              .requiredDuringSchedulingIgnoredDuringExecution![0]!;
          assert.equal(term.topologyKey, "kubernetes.io/hostname");
          assert.deepEqual(term.labelSelector!.matchLabels, { "stackwarden.dev/stack": "mc" });
        },
      ],
      [
        "labels name the backup and the operation on the Job and its pod",
        { operation: "restore" },
        (job) => {
          assert.equal(job.metadata!.labels!["stackwarden.dev/backup"], request().backupId);
          assert.equal(job.spec!.template.metadata!.labels!["stackwarden.dev/backup-operation"], "restore");
          assert.equal(job.metadata!.name, backupJobName("restore", request().backupId, "r1"));
        },
      ],
    ];
  for (const [name, over, check] of cases) it(name, () => check(buildBackupJob(request(over))));

  it("is pure", () => assert.deepEqual(buildBackupJob(request()), buildBackupJob(request())));

  const s3: S3Location = {
    endpoint: "https://s3.example.test",
    bucket: "games",
    key: "sw/mc/a.tar.gz",
    region: "eu-central-1",
    forcePathStyle: false,
    secret: { name: "s3-creds", accessKeyKey: "ak", secretKeyKey: "sk" },
  };
  it("an S3 target: curl's image, an emptyDir to pass through, the keys from the Secret, no target claim", () => {
    const spec = buildBackupJob(request({ s3 })).spec?.template.spec;
    const container = spec?.containers[0];
    assert.equal(container?.image, s3BackupImage);
    assert.deepEqual(
      spec?.volumes?.map((v) => [
        v.name,
        v.persistentVolumeClaim?.claimName ?? (v.emptyDir ? "emptyDir" : ""),
      ]),
      [
        ["world", "data-mc-0"],
        ["scratch", "emptyDir"],
      ],
    );
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env["S3_URL"], "https://games.s3.example.test/sw/mc/a.tar.gz");
    assert.equal(env["S3_BUCKET_URL"], "https://games.s3.example.test/");
    assert.equal(env["S3_BUCKET"], "games");
    assert.equal(env["S3_REGION"], "eu-central-1");
    assert.deepEqual(env["S3_ACCESS_KEY"], { secretKeyRef: { name: "s3-creds", key: "ak" } });
    assert.deepEqual(env["S3_SECRET_KEY"], { secretKeyRef: { name: "s3-creds", key: "sk" } });
    assert.ok(!container?.command?.join(" ").includes("--user"), "no key on a command line");
    const deleteJob = buildBackupJob(request({ s3, operation: "delete" })).spec?.template.spec;
    assert.deepEqual(
      deleteJob?.volumes?.map((v) => v.name),
      ["scratch"],
    );
  });
});

describe("s3ObjectUrl", () => {
  const at = { endpoint: "http://127.0.0.1:8333", bucket: "b", key: "p/mc/a b.tar.gz" };
  for (const [forcePathStyle, want] of [
    [true, "http://127.0.0.1:8333/b/p/mc/a%20b.tar.gz"],
    [false, "http://b.127.0.0.1:8333/p/mc/a%20b.tar.gz"],
  ] as const)
    it(`forcePathStyle ${forcePathStyle} → ${want}`, () =>
      assert.equal(s3ObjectUrl({ ...at, forcePathStyle }), want));
});

describe("parseTerminationMessage", () => {
  const cases: Array<[string | undefined, ReturnType<typeof parseTerminationMessage>]> = [
    [undefined, undefined],
    ["", undefined],
    ["not json", undefined],
    ['{"size":1234}', { size: 1234 }],
    ['{"size":-1}', {}],
    ['{"size":"12"}', {}],
    ["{}", {}],
    ["null", undefined],
  ];
  for (const [message, want] of cases)
    it(`${JSON.stringify(message)} → ${JSON.stringify(want)}`, () =>
      assert.deepEqual(parseTerminationMessage(message), want));
});

// The scripts are what a real cluster's Job runs; here they run in this machine's sh on folders.
describe("the Job's scripts, run by sh on local folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "backup-script-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "data");
  const target = join(dir, "target", "mc");
  const log = join(dir, "termination-log");
  const run = (operation: "backup" | "restore" | "delete", archive = "a.tar.gz"): void => {
    execFileSync("sh", ["-c", backupScript(operation)], {
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        DATA: data,
        TARGET: target,
        ARCHIVE: archive,
        TERMINATION_LOG: log,
      },
      stdio: "pipe",
    });
  };

  it("backup → change the world → restore gives the world back, and delete removes the archive", () => {
    mkdirSync(join(data, "world", "region"), { recursive: true });
    writeFileSync(join(data, "world", "level.dat"), "level one");
    writeFileSync(join(data, "world", "region", "r.0.0.mca"), "x".repeat(10_000));
    run("backup");
    const size = parseTerminationMessage(readFileSync(log, "utf8"))?.size;
    assert.ok(size !== undefined && size > 0 && size < 10_000, `compressed size ${size}`);
    assert.equal(readFileSync(join(target, "a.tar.gz")).length, size);

    writeFileSync(join(data, "world", "level.dat"), "level two");
    writeFileSync(join(data, "griefed.txt"), "oops");
    run("restore");
    assert.equal(readFileSync(join(data, "world", "level.dat"), "utf8"), "level one");
    assert.equal(existsSync(join(data, "griefed.txt")), false);

    run("delete");
    assert.equal(existsSync(join(target, "a.tar.gz")), false);
  });

  it("a restore of a broken archive fails and leaves the world as it was", () => {
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, "bad.tar.gz"), "not gzip");
    writeFileSync(join(data, "keep.txt"), "still here");
    assert.throws(() => run("restore", "bad.tar.gz"));
    assert.equal(readFileSync(join(data, "keep.txt"), "utf8"), "still here");
  });
});

describe("s3BucketUrl", () => {
  const at = { endpoint: "https://s3.example.test:9000", bucket: "b" };
  for (const [forcePathStyle, want] of [
    [true, "https://s3.example.test:9000/b"],
    [false, "https://b.s3.example.test:9000/"],
  ] as const)
    it(`forcePathStyle ${forcePathStyle} → ${want}`, () =>
      assert.equal(s3BucketUrl({ ...at, forcePathStyle }), want));
});
