import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { ClusterClients } from "../../controlplane/game/cluster-clients.ts";
import { BackupService } from "../../controlplane/game/backup-service.ts";
import { GameService } from "../../controlplane/game/game-service.ts";
import { PowerService } from "../../controlplane/game/power-service.ts";
import type { BackupRecord } from "../../controlplane/store/backup-store.ts";
import { openStore } from "../../controlplane/store/store.ts";
import { KubeClient } from "../../kube/client.ts";
import { selectorLabels } from "../../resources/labels.ts";
import { SandboxJobRunner } from "../../sandbox/job-runner.ts";
import { useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { credentialsSecret, startTestS3 } from "../../testing/s3-server.ts";
import { backupCalls, startBackupApi } from "../backup-test-calls.ts";

// Backups against the sandbox: real Jobs, real pods, the real console (pods/exec); the Jobs'
// containers are run by the sandbox's runner on local folders standing for the claims
// (docs/sandbox.md, "Backup Jobs"). No operator runs here: the server's pod is made by hand.
const { kc, namespace } = await useTestNamespace("backups-api");
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const store = await openStore({ dataDir: "memory://" });
after(() => store.close());
const clusters = new ClusterClients(store, "local", kc);
after(() => clusters.close());
const volumes = mkdtempSync(join(tmpdir(), "backups-api-"));
after(() => rmSync(volumes, { recursive: true, force: true }));
const runnerClient = new KubeClient(kc);
const runner = new SandboxJobRunner(runnerClient, { volumesDir: volumes, namespace, pollMs: 100 });
runner.start();
after(async () => {
  await runner.stop();
  runnerClient.close();
});
const { api, id } = await startBackupApi(store, clusters, namespace);
// The world claim the StatefulSet would make, and the pod it would run.
await core.createNamespacedPersistentVolumeClaim({
  namespace,
  body: {
    metadata: { name: "data-mc-0" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  },
});
await core.createNamespacedPod({
  namespace,
  body: {
    metadata: { name: "mc-0", labels: selectorLabels({ stack: "mc", component: "server" }) },
    spec: { containers: [{ name: "server", image: "itzg/minecraft-server" }] },
  },
});
await eventually("the server pod to run", async () => {
  const p = await core.readNamespacedPod({ name: "mc-0", namespace });
  return p.status?.phase === "Running" ? true : undefined;
});

const world = runner.claimDir("data-mc-0");
const archives = runner.claimDir("mc-backups");
const backupsUrl = `/api/v1/stacks/${id}/backups`;

const { list, settled, backupNow } = backupCalls(api, id);

/** The backup's status once it is `Failed`; throws when it completes instead. */
async function failed(backupId: string): Promise<BackupRecord> {
  return eventually(`backup ${backupId} to fail`, async () => {
    const b = (await list()).find((x) => x.id === backupId);
    if (b?.status === "Completed") throw new Error("the backup completed");
    return b?.status === "Failed" ? b : undefined;
  });
}

/** The Jobs of one backup's `operation`. */
async function jobsOf(backupId: string, operation: string): Promise<string[]> {
  const labelSelector = `stackwarden.dev/backup=${backupId},stackwarden.dev/backup-operation=${operation}`;
  const jobs = await batch.listNamespacedJob({ namespace, labelSelector });
  return jobs.items.map((j) => j.metadata?.name ?? "");
}

async function eventTypes(): Promise<string[]> {
  const r = await api.call("GET", `/api/v1/stacks/${id}/events?limit=200`, { as: "viewer" });
  return r
    .json<{ items: Array<{ type: string }> }>()
    .items.map((e) => e.type)
    .reverse();
}

describe("backups on the sandbox", () => {
  it("answers every bad input and too weak role with the right status, changing nothing", async () => {
    const unknown = "00000000-0000-0000-0000-000000000000";
    const cases: Array<
      [
        string,
        "GET" | "POST" | "DELETE",
        string,
        "anonymous" | "viewer" | "operator" | "admin",
        unknown,
        number,
        string?,
      ]
    > = [
      ["list without a token", "GET", backupsUrl, "anonymous", undefined, 401],
      ["list as viewer", "GET", backupsUrl, "viewer", undefined, 403],
      ["backup as viewer", "POST", backupsUrl, "viewer", {}, 403],
      ["restore as viewer", "POST", `${backupsUrl}/${unknown}/restore`, "viewer", {}, 403],
      ["delete as viewer", "DELETE", `${backupsUrl}/${unknown}`, "viewer", undefined, 403],
      [
        "keepLast 0",
        "POST",
        backupsUrl,
        "operator",
        { retention: { keepLast: 0 } },
        422,
        "/retention/keepLast",
      ],
      [
        "keepDays a string",
        "POST",
        backupsUrl,
        "operator",
        { retention: { keepDays: "7" } },
        422,
        "/retention/keepDays",
      ],
      [
        "keepDays 1.5",
        "POST",
        backupsUrl,
        "operator",
        { retention: { keepDays: 1.5 } },
        422,
        "/retention/keepDays",
      ],
      [
        "an unknown retention rule",
        "POST",
        backupsUrl,
        "operator",
        { retention: { keepWeeks: 2 } },
        422,
        "/retention",
      ],
      ["an extra field", "POST", backupsUrl, "operator", { target: "s3" }, 422],
      ["a body that is not an object", "POST", backupsUrl, "operator", [1], 422],
      [
        "stopFirst a string",
        "POST",
        `${backupsUrl}/${unknown}/restore`,
        "operator",
        { stopFirst: "yes" },
        422,
        "/stopFirst",
      ],
      ["restore of an unknown backup", "POST", `${backupsUrl}/${unknown}/restore`, "operator", {}, 404],
      ["restore of a malformed id", "POST", `${backupsUrl}/x'--/restore`, "operator", {}, 404],
      ["delete of an unknown backup", "DELETE", `${backupsUrl}/${unknown}`, "operator", undefined, 404],
      ["backups of an unknown stack", "GET", `/api/v1/stacks/${unknown}/backups`, "operator", undefined, 404],
      ["backup of an unknown stack", "POST", `/api/v1/stacks/${unknown}/backups`, "operator", {}, 404],
      ["backup to an unknown target", "POST", backupsUrl, "operator", { target: "nowhere" }, 422, "/target"],
      ["a target name with capitals", "POST", backupsUrl, "operator", { target: "Shared" }, 422, "/target"],
      ["list targets as viewer", "GET", "/api/v1/backup-targets", "viewer", undefined, 403],
      [
        "add a target as operator",
        "POST",
        "/api/v1/backup-targets",
        "operator",
        { name: "t", claim: "c" },
        403,
      ],
      ["delete a target as operator", "DELETE", "/api/v1/backup-targets/t", "operator", undefined, 403],
      ["a bad claim", "POST", "/api/v1/backup-targets", "admin", { name: "t", claim: "a/b" }, 422, "/claim"],
      [
        "a bad size",
        "POST",
        "/api/v1/backup-targets",
        "admin",
        { name: "t", claim: "c", storage: "lots" },
        422,
        "/storage",
      ],
      ["a target without a claim", "POST", "/api/v1/backup-targets", "admin", { name: "t" }, 422, "/claim"],
      ["delete an unknown target", "DELETE", "/api/v1/backup-targets/none", "admin", undefined, 404],
    ];
    const before = await api.counts();
    for (const [name, method, url, as, body, status, field] of cases) {
      const r = await api.call(method, url, { as, ...(body !== undefined ? { body } : {}) });
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      if (field !== undefined) assert.match(r.body, new RegExp(field.replace(/\//g, "\\/")), name);
    }
    assert.deepEqual(await api.counts(), before);
    assert.deepEqual(await list(), []);
    assert.deepEqual(await store.backupTargets.list(), []);
    assert.equal((await batch.listNamespacedJob({ namespace })).items.length, 0);
  });

  it("backs up a running server between save-off and save-on, restores a stopped one, and deletes", async () => {
    mkdirSync(join(world, "world", "region"), { recursive: true });
    writeFileSync(join(world, "world", "level.dat"), "the first world");
    writeFileSync(join(world, "world", "region", "r.0.0.mca"), "block ".repeat(20_000));

    const made = await backupNow();
    assert.ok(made.sizeBytes !== null && made.sizeBytes > 0, `size ${made.sizeBytes}`);
    assert.equal(statSync(join(archives, "mc", made.archive)).size, made.sizeBytes);
    assert.equal(made.createdBy, "operator-user");
    const consoleLog = (await store.events({ stackId: id, types: ["ConsoleCommand"], limit: 10 }))
      .map((e) => e.data["command"])
      .reverse();
    assert.deepEqual(consoleLog, ["save-off", "save-all flush", "save-on"]);
    // The Job ran beside the server, whose node holds the world.
    const job = (await batch.listNamespacedJob({ namespace })).items[0]!;
    assert.ok(job.spec?.template.spec?.affinity?.podAffinity, "the backup Job asks for the server's node");

    writeFileSync(join(world, "world", "level.dat"), "griefed");
    writeFileSync(join(world, "griefer.txt"), "was here");
    const running = await api.call("POST", `${backupsUrl}/${made.id}/restore`, { as: "operator", body: {} });
    assert.equal(running.statusCode, 409, running.body);
    assert.match(running.body, /stopFirst/);

    await core.deleteNamespacedPod({ name: "mc-0", namespace, gracePeriodSeconds: 0 });
    const stop = await api.call("POST", `/api/v1/stacks/${id}/stop`, { as: "operator", body: {} });
    assert.equal(stop.statusCode, 200, stop.body);
    const restore = await api.call("POST", `${backupsUrl}/${made.id}/restore`, { as: "operator", body: {} });
    assert.equal(restore.statusCode, 202, restore.body);
    assert.equal(restore.json<BackupRecord>().status, "Restoring");
    const second = await api.call("POST", backupsUrl, { as: "operator", body: {} });
    assert.equal(second.statusCode, 409, "no backup while a restore runs");
    await settled(made.id, "Completed");
    await eventually("BackupRestored", async () =>
      (await eventTypes()).includes("BackupRestored") ? true : undefined,
    );
    assert.equal(readFileSync(join(world, "world", "level.dat"), "utf8"), "the first world");
    assert.equal(existsSync(join(world, "griefer.txt")), false);

    const removed = await api.call("DELETE", `${backupsUrl}/${made.id}`, { as: "operator" });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal(existsSync(join(archives, "mc", made.archive)), false);
    assert.deepEqual(await list(), []);
    const types = await eventTypes();
    for (const t of ["BackupStarted", "BackupCompleted", "RestoreStarted", "BackupRestored", "BackupDeleted"])
      assert.ok(types.includes(t), `${t} in ${types.join(", ")}`);
  });

  it("keeps the last N: a backup with keepLast 1 deletes the older archive", async () => {
    const first = await backupNow();
    const second = await backupNow({ retention: { keepLast: 1 } });
    await eventually("the older backup to go", async () => {
      const ids = (await list()).map((b) => b.id);
      return ids.length === 1 ? ids : undefined;
    }).then((ids) => assert.deepEqual(ids, [second.id]));
    assert.equal(existsSync(join(archives, "mc", first.archive)), false);
    assert.ok(existsSync(join(archives, "mc", second.archive)));
  });

  it("a restore whose archive is broken fails as RestoreFailed, leaves the world alone and keeps the backup", async () => {
    const made = (await list())[0]!;
    writeFileSync(join(archives, "mc", made.archive), "not a gzip archive");
    writeFileSync(join(world, "keep.txt"), "untouched");
    const r = await api.call("POST", `${backupsUrl}/${made.id}/restore`, { as: "operator", body: {} });
    assert.equal(r.statusCode, 202, r.body);
    const failed = await eventually("RestoreFailed", async () => {
      const events = await store.events({ stackId: id, types: ["RestoreFailed"], limit: 1 });
      return events[0];
    });
    assert.equal(failed.data["step"], "restore");
    assert.match(String(failed.data["message"]), /restore Job failed/);
    assert.equal(readFileSync(join(world, "keep.txt"), "utf8"), "untouched");
    assert.equal((await settled(made.id, "Completed")).id, made.id);
  });

  it("an admin's backup target: backups naming it land in its claim; only admins add and remove targets", async () => {
    const add = await api.call("POST", "/api/v1/backup-targets", {
      as: "admin",
      body: { name: "shared", claim: "shared-backups", storage: "5Gi" },
    });
    assert.equal(add.statusCode, 201, add.body);
    const again = await api.call("POST", "/api/v1/backup-targets", {
      as: "admin",
      body: { name: "shared", claim: "other" },
    });
    assert.equal(again.statusCode, 409, again.body);
    const listed = await api.call("GET", "/api/v1/backup-targets", { as: "operator" });
    assert.deepEqual(
      listed.json<{ items: Array<{ name: string; claim: string }> }>().items.map((t) => [t.name, t.claim]),
      [["shared", "shared-backups"]],
    );
    const made = await backupNow({ target: "shared" });
    assert.equal(made.targetClaim, "shared-backups");
    assert.equal(statSync(join(runner.claimDir("shared-backups"), "mc", made.archive)).size, made.sizeBytes);
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: "shared-backups", namespace });
    assert.equal(claim.spec?.resources?.requests?.["storage"], "5Gi");
    assert.equal(
      (await api.call("DELETE", "/api/v1/backup-targets/shared", { as: "admin" })).statusCode,
      204,
    );
  });
});

describe("a backup whose control plane replica died is adopted by another", () => {
  // Two in-process backup services over one store stand for two replicas; `halt` drops one's work
  // where it stands, writing nothing more, as a dying process does. Leases are short here.
  const game = new GameService(store, clusters);
  const power = new PowerService(store, () => undefined, game);
  const timing = { pollMs: 100, jobTimeoutMs: 120_000, leaseMs: 1_000, sweepMs: 100 };
  const replica = (holder: string): BackupService =>
    new BackupService(store, game, power, { timing, holder });

  /** Starts `work` on a replica that dies once the Job exists; returns the backup's id. */
  async function dyingMidway(
    work: (a: BackupService) => Promise<BackupRecord>,
    operation: string,
  ): Promise<string> {
    const a = replica("replica-a");
    const backup = await work(a);
    await eventually(`the ${operation} Job`, async () =>
      (await jobsOf(backup.id, operation)).length ? true : undefined,
    );
    await a.halt();
    return backup.id;
  }

  /** A replica that sweeps until this describe's tests end. */
  const adopters: BackupService[] = [];
  after(async () => {
    for (const b of adopters) await b.stop();
    for (const b of adopters) await b.settled();
  });
  function adopter(holder: string): BackupService {
    const b = replica(holder);
    b.start();
    adopters.push(b);
    return b;
  }

  it("a backup left Running reaches Completed with its size, adopted by exactly one replica", async () => {
    writeFileSync(join(world, "world", "level.dat"), "the adopted world");
    const backupId = await dyingMidway((a) => a.create(id, "operator-user"), "backup");
    assert.equal(
      (await store.backups.get(id, backupId))?.status,
      "Running",
      "the dead replica left it Running",
    );
    adopter("replica-b");
    adopter("replica-c");
    const done = await settled(backupId, "Completed");
    assert.equal(statSync(join(archives, "mc", done.archive)).size, done.sizeBytes);
    const completed = await store.events({ stackId: id, types: ["BackupCompleted"], limit: 5 });
    const mine = completed.filter((e) => e.data["backupId"] === backupId);
    assert.equal(mine.length, 1, "completed once");
    assert.equal(mine[0]?.data["adopted"], true);
    assert.ok(["replica-b", "replica-c"].includes(String(mine[0]?.data["adoptedBy"])));
    assert.equal(mine[0]?.actor, "operator-user");
  });

  it("a backup whose Job is gone is Failed as interrupted", async () => {
    const backupId = await dyingMidway((a) => a.create(id, "operator-user"), "backup");
    for (const name of await jobsOf(backupId, "backup"))
      await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" });
    adopter("replica-d");
    const gone = await failed(backupId);
    assert.match(gone.message, /^interrupted: the control plane replica running it stopped/);
    // Retention never chooses a failed backup: delete it, as a person would, for the tests after.
    assert.equal((await api.call("DELETE", `${backupsUrl}/${backupId}`, { as: "operator" })).statusCode, 204);
  });

  it("a restore left Restoring completes; one whose Job is gone leaves the server stopped", async () => {
    const made = await backupNow();
    writeFileSync(join(world, "world", "level.dat"), "changed after the backup");
    const restoring = await dyingMidway((a) => a.restore(id, made.id, "operator-user"), "restore");
    adopter("replica-e");
    await settled(restoring, "Completed");
    const restored = await eventually("BackupRestored, adopted", async () => {
      const events = await store.events({ stackId: id, types: ["BackupRestored"], limit: 1 });
      return events[0]?.data["backupId"] === made.id ? events[0] : undefined;
    });
    assert.equal(restored.data["adopted"], true);
    assert.equal(readFileSync(join(world, "world", "level.dat"), "utf8"), "the adopted world");

    const again = await dyingMidway((a) => a.restore(id, made.id, "operator-user"), "restore");
    for (const name of await jobsOf(again, "restore"))
      await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" });
    const failure = await eventually("RestoreFailed, interrupted", async () => {
      const events = await store.events({ stackId: id, types: ["RestoreFailed"], limit: 1 });
      return events[0]?.data["adopted"] === true ? events[0] : undefined;
    });
    assert.match(String(failure.data["message"]), /interrupted.*the server was left stopped/);
    assert.equal((await store.stacks.get(id))?.power, "Stopped", "the server stays stopped");
    assert.equal((await settled(made.id, "Completed")).id, made.id, "the backup is still there to restore");
  });
});

describe("backups to S3-compatible storage (SeaweedFS) on the sandbox", async () => {
  const s3 = await startTestS3();
  after(() => s3.stop());
  assert.equal((await s3.request("PUT", "/games")).status, 200, "the bucket is made");
  // The Secret the backup Jobs' pods read; the control plane only names it.
  await core.createNamespacedSecret({ namespace, body: credentialsSecret(s3, "s3-creds") });
  const target = {
    name: "bucket",
    type: "s3",
    endpoint: s3.endpoint,
    bucket: "games",
    prefix: "stackwarden",
    region: s3.region,
    forcePathStyle: true,
    credentials: { secretName: "s3-creds" },
  };
  const objectSize = async (key: string): Promise<number | undefined> => {
    const r = await s3.request("HEAD", `/games/${key}`);
    return r.status === 200 ? Number(r.headers["content-length"]) : undefined;
  };
  const noSecretIn = (what: string, text: string): void => {
    assert.ok(!text.includes(s3.secretKey), `the secret key is not in ${what}`);
    assert.ok(!text.includes(s3.accessKey), `the access key is not in ${what}`);
  };

  it("refuses a bad s3 target with 422 naming the field, and an operator with 403, changing nothing", async () => {
    const without = (field: string): Record<string, unknown> =>
      Object.fromEntries(Object.entries(target).filter(([k]) => k !== field));
    const cases: Array<[string, Record<string, unknown>, number, string?]> = [
      ["no endpoint", without("endpoint"), 422, "/endpoint"],
      ["no bucket", without("bucket"), 422, "/bucket"],
      ["no credentials", without("credentials"), 422, "/credentials"],
      ["an ftp endpoint", { ...target, endpoint: "ftp://example.test" }, 422, "/endpoint"],
      ["an endpoint with a path", { ...target, endpoint: `${s3.endpoint}/games` }, 422, "/endpoint"],
      ["an endpoint with credentials", { ...target, endpoint: "http://a:b@example.test" }, 422, "/endpoint"],
      ["an endpoint that is no URL", { ...target, endpoint: "games" }, 422, "/endpoint"],
      ["a bucket with capitals", { ...target, bucket: "Games" }, 422, "/bucket"],
      ["a prefix climbing up", { ...target, prefix: "../x" }, 422, "/prefix"],
      ["a region with a space", { ...target, region: "us east" }, 422, "/region"],
      ["forcePathStyle a string", { ...target, forcePathStyle: "yes" }, 422, "/forcePathStyle"],
      [
        "a key's value instead of the Secret",
        { ...target, credentials: { secretName: "s3-creds", secretKey: "x" } },
        422,
        "/credentials",
      ],
      ["a Secret name with a slash", { ...target, credentials: { secretName: "a/b" } }, 422, "/credentials"],
      ["a claim on an s3 target", { ...target, claim: "c" }, 422, "/claim"],
      ["a bucket on a pvc target", { name: "p", claim: "c", bucket: "games" }, 422, "/bucket"],
      ["an unknown type", { ...target, type: "ftp" }, 422, "/type"],
    ];
    const before = await api.counts();
    for (const [name, body, status, field] of cases) {
      const r = await api.call("POST", "/api/v1/backup-targets", { as: "admin", body });
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      if (field !== undefined) assert.match(r.body, new RegExp(field.replace(/\//g, "\\/")), name);
    }
    const operator = await api.call("POST", "/api/v1/backup-targets", { as: "operator", body: target });
    assert.equal(operator.statusCode, 403, operator.body);
    assert.deepEqual(await api.counts(), before);
    assert.deepEqual(await store.backupTargets.list(), []);
  });

  it("backs up to the bucket, restores from it, deletes the object, and retention deletes old objects", async () => {
    const add = await api.call("POST", "/api/v1/backup-targets", { as: "admin", body: target });
    assert.equal(add.statusCode, 201, add.body);
    assert.deepEqual(add.json<{ s3: unknown }>().s3, {
      endpoint: s3.endpoint,
      bucket: "games",
      prefix: "stackwarden/",
      region: s3.region,
      forcePathStyle: true,
      secret: { name: "s3-creds", accessKeyKey: "AWS_ACCESS_KEY_ID", secretKeyKey: "AWS_SECRET_ACCESS_KEY" },
    });

    writeFileSync(join(world, "world", "level.dat"), "the world in the bucket");
    const made = await backupNow({ target: "bucket" });
    assert.equal(made.s3?.key, `stackwarden/mc/${made.archive}`);
    assert.ok(made.sizeBytes !== null && made.sizeBytes > 0, `size ${made.sizeBytes}`);
    assert.equal(await objectSize(made.s3.key), made.sizeBytes, "the object's size, through the S3 API");
    const job = (await batch.listNamespacedJob({ namespace })).items.find(
      (j) => j.metadata?.labels?.["stackwarden.dev/backup"] === made.id,
    );
    const env = job?.spec?.template.spec?.containers[0]?.env ?? [];
    assert.deepEqual(
      env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom?.secretKeyRef?.name]),
      [
        ["S3_ACCESS_KEY", "s3-creds"],
        ["S3_SECRET_KEY", "s3-creds"],
      ],
    );
    noSecretIn("the Job", JSON.stringify(job));

    writeFileSync(join(world, "world", "level.dat"), "griefed");
    writeFileSync(join(world, "griefer.txt"), "was here");
    const restore = await api.call("POST", `${backupsUrl}/${made.id}/restore`, { as: "operator", body: {} });
    assert.equal(restore.statusCode, 202, restore.body);
    await settled(made.id, "Completed");
    await eventually("BackupRestored of the S3 backup", async () => {
      const events = await store.events({ stackId: id, types: ["BackupRestored"], limit: 1 });
      return events[0]?.data["backupId"] === made.id ? true : undefined;
    });
    assert.equal(readFileSync(join(world, "world", "level.dat"), "utf8"), "the world in the bucket");
    assert.equal(existsSync(join(world, "griefer.txt")), false);

    const second = await backupNow({ target: "bucket" });
    const third = await backupNow({ target: "bucket", retention: { keepLast: 1 } });
    await eventually("retention to leave the newest backup only", async () => {
      const ids = (await list()).map((b) => b.id);
      return ids.length === 1 ? ids : undefined;
    }).then((ids) => assert.deepEqual(ids, [third.id]));
    assert.deepEqual(await s3.keys("games", "stackwarden/"), [third.s3?.key]);
    assert.equal(await objectSize(second.s3?.key ?? ""), undefined);

    const removed = await api.call("DELETE", `${backupsUrl}/${third.id}`, { as: "operator" });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.deepEqual(await s3.keys("games", "stackwarden/"), []);

    const events = await api.call("GET", `/api/v1/stacks/${id}/events?limit=200`, { as: "viewer" });
    noSecretIn("the stack's events", events.body);
    noSecretIn("the targets", (await api.call("GET", "/api/v1/backup-targets", { as: "operator" })).body);
    noSecretIn("the store's events", JSON.stringify(await store.events({ limit: 500 })));
    assert.equal(
      (await api.call("DELETE", "/api/v1/backup-targets/bucket", { as: "admin" })).statusCode,
      204,
    );
  });

  it("fails at once, naming the Secret, when the credentials Secret is missing, and deletes the Job", async () => {
    const body = { ...target, name: "nosecret", credentials: { secretName: "absent-creds" } };
    assert.equal((await api.call("POST", "/api/v1/backup-targets", { as: "admin", body })).statusCode, 201);
    const r = await api.call("POST", backupsUrl, { as: "operator", body: { target: "nosecret" } });
    assert.equal(r.statusCode, 202, r.body);
    const started = r.json<BackupRecord>();
    const failure = await failed(started.id);
    assert.equal(
      failure.message,
      `the backup Job's pod cannot start: CreateContainerConfigError: secret "absent-creds" not found`,
    );
    await eventually("the Job to be deleted", async () =>
      (await jobsOf(started.id, "backup")).length === 0 ? true : undefined,
    );
    assert.equal(
      (await api.call("DELETE", "/api/v1/backup-targets/nosecret", { as: "admin" })).statusCode,
      204,
    );
  });

  it("fails before archiving when the bucket does not exist", async () => {
    const body = { ...target, name: "nobucket", bucket: "no-such-bucket" };
    assert.equal((await api.call("POST", "/api/v1/backup-targets", { as: "admin", body })).statusCode, 201);
    const r = await api.call("POST", backupsUrl, { as: "operator", body: { target: "nobucket" } });
    assert.equal(r.statusCode, 202, r.body);
    const failure = await failed(r.json<BackupRecord>().id);
    assert.match(
      failure.message,
      /^the backup Job failed \(exit 1\): bucket no-such-bucket does not exist or is not reachable: curl: \(22\)/,
    );
    noSecretIn("the message", failure.message);
    assert.equal((await s3.request("HEAD", "/no-such-bucket")).status, 404, "no bucket was made");
    assert.equal(
      (await api.call("DELETE", "/api/v1/backup-targets/nobucket", { as: "admin" })).statusCode,
      204,
    );
  });
});
