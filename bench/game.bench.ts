/**
 * Game-server benchmark on a local sandbox: prints figures, asserts nothing.
 *
 *   npm run bench:game -- --sandbox default --samples 200 [--volume-mib 1024]
 *   (or, on a sandbox already running: STACKWARDEN_STATE_DIR=<its .stackwarden> npm run bench:game --
 *    --sandbox test --kubeconfig <its kubeconfig>)
 *
 * Against the running sandbox NAME (started if needed), with a pod of a minecraft-java stack made
 * by hand (no operator) and the HTTP server on 127.0.0.1:
 * 1. Log line written → shown on the SSE stream: a line appended to the log file KWOK serves
 *    (as the container would write it), until it arrives on `GET …/logs?follow=true`; p50/p99.
 * 2. Console round trip: `POST …/console {"command": "list"}` (pods/exec of rcon-cli through the
 *    API server and KWOK), one at a time; p50/p99.
 * 3. Backup and restore of a world of `--volume-mib` MiB (1024 by default) of random bytes (they do
 *    not compress: the worst case for gzip's output): `POST …/backups` until Completed, then, the
 *    server stopped, `POST …/backups/{id}/restore` until BackupRestored. Real Jobs and pods on the
 *    sandbox; their container's script run by the sandbox's job runner on a local folder standing
 *    for the claim (docs/sandbox.md, "Backup Jobs"), so this measures tar+gzip on this machine's
 *    disk plus the Job's way through the API server, the scheduler and KWOK. With `--target s3`
 *    the archive goes to a bucket of a local SeaweedFS instead (src/testing/s3-server.ts): the
 *    same plus the upload (restore: the download) through curl's signed requests. With
 *    `--target snapshot` the world claim is in a StorageClass of the sandbox's stand-in CSI driver
 *    (src/sandbox/snapshotter.ts, with the real VolumeSnapshot CRDs) and the backup is a
 *    VolumeSnapshot (`"method": "snapshot"`): a folder copy plus the snapshot's way through the
 *    API; the restore is a claim made from it and a Job copying it into the world.
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { ClusterClients } from "../src/controlplane/game/cluster-clients.ts";
import { GameService } from "../src/controlplane/game/game-service.ts";
import { EventFeed } from "../src/controlplane/event-feed.ts";
import { builtinTemplateRecords } from "../src/controlplane/guardrails.ts";
import { openStore } from "../src/controlplane/store/store.ts";
import { createHttpServer } from "../src/http/server.ts";
import { selectorLabels } from "../src/resources/labels.ts";
import { criLogLine, podLogFiles } from "../src/sandbox/kwok-debugging.ts";
import { sandboxPaths } from "../src/sandbox/paths.ts";
import { sandboxUp } from "../src/sandbox/sandbox.ts";
import { SandboxJobRunner } from "../src/sandbox/job-runner.ts";
import { KubeClient } from "../src/kube/client.ts";
import { installSnapshotCrds } from "../src/sandbox/snapshot-crds.ts";
import { SandboxSnapshotter } from "../src/sandbox/snapshotter.ts";
import { credentialsSecret, startTestS3 } from "../src/testing/s3-server.ts";

const { values } = parseArgs({
  options: {
    sandbox: { type: "string", default: "default" },
    samples: { type: "string", default: "200" },
    "volume-mib": { type: "string", default: "1024" },
    // pvc (the stack's own claim), s3 (a bucket of a local SeaweedFS) or snapshot (a VolumeSnapshot).
    target: { type: "string", default: "pvc" },
    // A sandbox already running elsewhere (e.g. the test sandbox): its kubeconfig, not started here.
    kubeconfig: { type: "string" },
  },
});
const samples = Number(values.samples);
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const report = (what: string, xs: number[]): void =>
  console.log(
    `${what}: p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms (n=${xs.length})`,
  );

const kubeconfig =
  values.kubeconfig ??
  (await sandboxUp({ name: values.sandbox, env: process.env, log: () => undefined })).kubeconfig;
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const namespace = `bench-game-${Date.now().toString(36)}`;
await core.createNamespace({ body: { metadata: { name: namespace } } });
const store = await openStore({ dataDir: "memory://" });
await store.catalog.syncBuiltins(builtinTemplateRecords());
await store.catalog.ensureCluster("local", "bench");
const admin = await store.auth.createUser("bench", "admin", "system");
const { token } = await store.auth.createToken(admin.id, "bench", "system");
const clusters = new ClusterClients(store, "local", kc);
const feed = new EventFeed({ store });
const app = createHttpServer({
  store,
  feed,
  registry: new Registry(),
  ready: () => true,
  game: new GameService(store, clusters),
  backupTiming: { pollMs: 100 },
});
const volumes = await mkdtemp(join(tmpdir(), "bench-game-volumes-"));
const runnerClient = new KubeClient(kc);
const runner = new SandboxJobRunner(runnerClient, { volumesDir: volumes, namespace, pollMs: 100 });
runner.start();
const base = await app.listen({ host: "127.0.0.1", port: 0 });
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const s3 = values.target === "s3" ? await startTestS3() : undefined;
// A driver, StorageClass and VolumeSnapshotClass of this run's own (cluster-scoped), removed after it.
const driver = `${namespace}.sandbox.stackwarden.dev`;
const snapshotter =
  values.target === "snapshot"
    ? new SandboxSnapshotter(runnerClient, { volumesDir: volumes, namespace, driver, pollMs: 100 })
    : undefined;
const snapshotApi = "/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses";
if (snapshotter) {
  await installSnapshotCrds(runnerClient);
  await snapshotter.install();
  await runnerClient.request("POST", "/apis/storage.k8s.io/v1/storageclasses", {
    body: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: namespace },
      provisioner: driver,
      volumeBindingMode: "WaitForFirstConsumer",
    },
  });
  await runnerClient.request("POST", snapshotApi, {
    body: {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: namespace },
      driver,
      deletionPolicy: "Delete",
    },
  });
  snapshotter.start();
}
// The world claim; with snapshots, in the driver's class and mounted by the server's pod (so it binds).
const worldClaim = {
  metadata: { name: "data-bench-0" },
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "2Gi" } },
    ...(snapshotter ? { storageClassName: namespace } : {}),
  },
};

try {
  const created = await fetch(`${base}/api/v1/stacks`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ template: "minecraft-java", namespace, name: "bench", params: { eula: true } }),
  });
  const { id } = (await created.json()) as { id: string };
  await core.createNamespacedPersistentVolumeClaim({ namespace, body: worldClaim });
  const mounted = snapshotter
    ? {
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-bench-0" } }],
        containers: [
          {
            name: "server",
            image: "itzg/minecraft-server",
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          },
        ],
      }
    : { containers: [{ name: "server", image: "itzg/minecraft-server" }] };
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: "bench-0", labels: selectorLabels({ stack: "bench", component: "server" }) },
      spec: mounted,
    },
  });
  for (;;) {
    const pod = await core.readNamespacedPod({ name: "bench-0", namespace });
    if (pod.status?.phase === "Running") break;
    await new Promise((r) => setTimeout(r, 200));
  }

  // 1. Log line → SSE.
  const logFile = podLogFiles(sandboxPaths(values.sandbox, process.env)).game;
  const abort = new AbortController();
  const res = await fetch(`${base}/api/v1/stacks/${id}/logs?follow=true&tailLines=0`, {
    headers: auth,
    signal: abort.signal,
  });
  const waiting = new Map<string, (at: number) => void>();
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      const at = performance.now();
      for (const m of decoder.decode(chunk).matchAll(/bench-line-(\d+)/g)) waiting.get(m[0])?.(at);
    }
  })().catch(() => undefined);
  const logLatency: number[] = [];
  for (let i = 0; i < samples + 5; i++) {
    const word = `bench-line-${i}`;
    const shown = new Promise<number>((resolve) => waiting.set(word, resolve));
    const started = performance.now();
    await appendFile(logFile, criLogLine(new Date(), `[Server thread/INFO]: ${word}`));
    const at = await Promise.race([shown, new Promise<number>((r) => setTimeout(() => r(NaN), 10_000))]);
    if (i >= 5 && !Number.isNaN(at)) logLatency.push(at - started); // the first few attach the stream
  }
  abort.abort();
  await reading;
  report("log line written → shown on the SSE stream", logLatency);

  // 2. Console round trip.
  const consoleLatency: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const r = await fetch(`${base}/api/v1/stacks/${id}/console`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ command: "list" }),
    });
    await r.arrayBuffer();
    if (r.status === 200) consoleLatency.push(performance.now() - started);
  }
  report("console round trip (list)", consoleLatency);

  // 3. Backup and restore.
  if (s3) {
    await s3.request("PUT", "/bench");
    await core.createNamespacedSecret({ namespace, body: credentialsSecret(s3, "bench-s3") });
    const target = {
      name: "bench-s3",
      type: "s3",
      endpoint: s3.endpoint,
      bucket: "bench",
      forcePathStyle: true,
    };
    const added = await fetch(`${base}/api/v1/backup-targets`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ ...target, credentials: { secretName: "bench-s3" } }),
    });
    if (added.status !== 201) throw new Error(`the S3 target: ${added.status} ${await added.text()}`);
  }
  const backupBody = JSON.stringify(s3 ? { target: "bench-s3" } : snapshotter ? { method: "snapshot" } : {});
  const mib = Number(values["volume-mib"]);
  const region = join(runner.claimDir("data-bench-0"), "world", "region");
  await mkdir(region, { recursive: true });
  for (let i = 0; i < mib; i += 16)
    await writeFile(join(region, `r.${i}.mca`), randomBytes(16 * 1024 * 1024));
  const waitBackup = async (backupId: string, done: (events: string[]) => boolean): Promise<void> => {
    for (;;) {
      const list = (await (await fetch(`${base}/api/v1/stacks/${id}/backups`, { headers: auth })).json()) as {
        items: Array<{ id: string; status: string; message: string }>;
      };
      const b = list.items.find((x) => x.id === backupId);
      if (b?.status === "Failed") throw new Error(`backup failed: ${b.message}`);
      const events = (await store.events({ stackId: id, limit: 50 })).map((e) => e.type);
      if (b?.status === "Completed" && done(events)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  let started = performance.now();
  const made = (await (
    await fetch(`${base}/api/v1/stacks/${id}/backups`, { method: "POST", headers: auth, body: backupBody })
  ).json()) as { id: string };
  await waitBackup(made.id, () => true);
  const backupMs = performance.now() - started;
  const size = (
    (await (await fetch(`${base}/api/v1/stacks/${id}/backups`, { headers: auth })).json()) as {
      items: Array<{ sizeBytes: number }>;
    }
  ).items[0]?.sizeBytes;
  await core.deleteNamespacedPod({ name: "bench-0", namespace, gracePeriodSeconds: 0 });
  await fetch(`${base}/api/v1/stacks/${id}/stop`, { method: "POST", headers: auth, body: "{}" });
  started = performance.now();
  await fetch(`${base}/api/v1/stacks/${id}/backups/${made.id}/restore`, {
    method: "POST",
    headers: auth,
    body: "{}",
  });
  await waitBackup(made.id, (events) => events.includes("BackupRestored"));
  const restoreMs = performance.now() - started;
  console.log(
    `backup to ${values.target} of a ${mib} MiB world (random bytes, ${snapshotter ? "snapshot" : "archive"} ${((size ?? 0) / 1048576).toFixed(0)} MiB): ${(backupMs / 1000).toFixed(1)} s`,
  );
  console.log(`restore of it (server stopped): ${(restoreMs / 1000).toFixed(1)} s`);
} finally {
  await s3?.stop();
  await runner.stop();
  if (snapshotter) {
    await snapshotter.stop();
    for (const path of [`${snapshotApi}/${namespace}`, `/apis/storage.k8s.io/v1/storageclasses/${namespace}`])
      await runnerClient.request("DELETE", path).catch(() => undefined);
    await snapshotter.uninstall().catch(() => undefined);
  }
  runnerClient.close();
  await rm(volumes, { recursive: true, force: true });
  await app.close();
  feed.close();
  clusters.close();
  await store.close();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}
