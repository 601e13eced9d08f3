/**
 * Chaos benchmark: prints figures, asserts nothing. CI does not run it (CPU-heavy).
 *
 *   npm run bench:chaos                       200 stacks: the calm run, then the chaos run, and the ratio
 *   npm run bench:chaos -- --stacks 20 --kills 4 --apiserver-restarts 1     a quick small run
 *   npm run bench:chaos -- --calm             the calm run only;  --skip-calm: the chaos run only
 *   npm run bench:chaos -- --lease-seconds 6  a shorter Lease (renew deadline ⅔ of it, retry ⅙, at
 *                                             least 1 s): a SIGKILLed leader is replaced sooner
 *
 * Each run gets a private sandbox, two `stackwarden operator --leader-elect` processes that reach
 * the API server through a TCP proxy, and N minecraft-java stacks created at once. The chaos run
 * meanwhile SIGKILLs whichever replica leads 5–15 s after it took over (`--kills`, 20), restarting
 * it each time; cuts every connection of both replicas (their watches) halfway through each wait;
 * and restarts kube-apiserver in place `--apiserver-restarts` (3) times, spread over the kills.
 * Then, with the chaos over and every stack Ready, it makes `--drifts` (5) real drifts of each
 * kind (a Service deleted, a ConfigMap value edited by another field manager), waits until each
 * replica has led and reconciled every stack once more, and counts the Events.
 *
 * Printed per run: stacks Ready; convergence time (creation → all Ready); duplicate children;
 * orphans; false drift Events (`…Externally` while only Stackwarden touched anything); Events per
 * real drift; drift corrections counted in status. The goal (issue 11): N/N Ready, 0 duplicates,
 * 0 orphans, 0 false drift Events, exactly one Event per real drift, at most 2× the calm time.
 */
import { parseArgs } from "node:util";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { stackResourceType } from "../src/api/stack.ts";
import type { KubeObject } from "../src/api/object.ts";
import { KubeClient } from "../src/kube/client.ts";
import { resourcePath } from "../src/kube/resource-type.ts";
import { kubeConfigVia } from "../src/testing/cluster.ts";
import { auditChildren } from "../src/testing/children-audit.ts";
import { OperatorFleet } from "../src/testing/operator-fleet.ts";
import {
  externalDriftReasons,
  idle,
  listEvents,
  occurrences,
  reconciles,
  type ObservedStack,
} from "../src/testing/stack-probes.ts";
import { TcpProxy } from "../src/testing/tcp-proxy.ts";
import { benchCluster } from "./bench-cluster.ts";
import { pool } from "./bench-stacks.ts";

const { values } = parseArgs({
  options: {
    stacks: { type: "string", default: "200" },
    kills: { type: "string", default: "20" },
    "apiserver-restarts": { type: "string", default: "3" },
    drifts: { type: "string", default: "5" },
    calm: { type: "boolean", default: false },
    "skip-calm": { type: "boolean", default: false },
    "lease-seconds": { type: "string", default: "15" },
  },
});
const leaseSeconds = Number(values["lease-seconds"]);
/** The operator's election flags for `--lease-seconds` (client-go's 15/10/2 at the default). */
const leaseArgs =
  leaseSeconds === 15
    ? []
    : [
        `--lease-duration-seconds=${leaseSeconds}`,
        `--renew-deadline-seconds=${Math.max(2, Math.floor((leaseSeconds * 2) / 3))}`,
        `--retry-period-seconds=${Math.max(1, Math.floor(leaseSeconds / 6))}`,
      ];
const n = Number(values.stacks);
const killQuota = Number(values.kills);
const apiserverRestarts = Number(values["apiserver-restarts"]);
const drifts = Math.min(Number(values.drifts), Math.floor(n / 2));
const namespace = "chaos";
const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);

interface Chaos {
  kills: number;
  apiserverRestarts: number;
  watchCuts: number;
  takeoversMs: number[];
  problems: string[];
}

interface Figures {
  readonly mode: "calm" | "chaos";
  readonly convergedMs: number | undefined;
  readonly ready: number;
  readonly duplicates: string[];
  readonly orphans: string[];
  readonly falseDrift: number;
  readonly deletedEvents: number;
  readonly modifiedEvents: number;
  readonly correctedEvents: number;
  readonly statusCorrections: number;
  readonly chaos: Chaos;
}

async function readyCount(client: KubeClient): Promise<number> {
  const list = await client.request<{ items: ObservedStack[] }>(
    "LIST",
    resourcePath(stackResourceType, namespace),
  );
  return list.items.filter(
    (s) => s.status?.phase === "Ready" && s.status.observedGeneration === s.metadata.generation,
  ).length;
}

/** Polls until all N stacks are Ready; resolves with the time it saw that, or undefined at the deadline. */
async function allReady(client: KubeClient, deadline: number): Promise<number | undefined> {
  while (Date.now() < deadline) {
    if ((await readyCount(client).catch(() => 0)) === n) return Date.now();
    await sleep(1000);
  }
  return undefined;
}

/** SIGKILLs the leader 5–15 s after each takeover, cuts watches and restarts kube-apiserver, until the quotas are met. */
async function makeChaos(
  fleet: OperatorFleet,
  proxy: TcpProxy,
  restartApiserver: () => Promise<void>,
): Promise<Chaos> {
  const chaos: Chaos = { kills: 0, apiserverRestarts: 0, watchCuts: 0, takeoversMs: [], problems: [] };
  const restartAfter = new Set(
    Array.from({ length: apiserverRestarts }, (_, i) =>
      Math.round(((i + 1) * killQuota) / (apiserverRestarts + 1)),
    ),
  );
  let killedAt: number | undefined;
  while (chaos.kills < killQuota) {
    try {
      const leader = await fleet.leader(300_000);
      if (killedAt !== undefined) chaos.takeoversMs.push(Date.now() - killedAt);
      const wait = 5000 + Math.random() * 10_000;
      await sleep(wait / 2);
      proxy.cutAll();
      chaos.watchCuts++;
      await sleep(wait / 2);
      await fleet.kill(leader, "SIGKILL");
      killedAt = Date.now();
      chaos.kills++;
      log(`chaos: killed ${leader.slot} (kill ${chaos.kills}/${killQuota})`);
      await fleet.restart(leader);
      if (restartAfter.has(chaos.kills)) {
        await restartApiserver();
        chaos.apiserverRestarts++;
        log(`chaos: restarted kube-apiserver (${chaos.apiserverRestarts}/${apiserverRestarts})`);
      }
    } catch (e: unknown) {
      chaos.problems.push(e instanceof Error ? e.message.split("\n")[0]! : String(e));
    }
  }
  return chaos;
}

/** Makes each replica lead once more and reconcile every stack, each leader SIGTERMed after (it writes its pending Events). */
async function bothHaveLooked(fleet: OperatorFleet): Promise<void> {
  for (let turn = 0; turn < 2; turn++) {
    const leader = await fleet.handOver();
    while (!((await reconciles(leader, "stack")) >= n && (await idle(leader, "stack")))) await sleep(500);
  }
}

/** Deletes `drifts` Services and edits `drifts` ConfigMaps, then waits until each is put back. */
async function makeRealDrifts(client: KubeClient): Promise<void> {
  const core = (plural: string, name: string): string => `/api/v1/namespaces/${namespace}/${plural}/${name}`;
  for (let i = 0; i < drifts; i++) {
    const service = core("services", `mc-${i}`);
    const before = await client.request<KubeObject>("GET", service);
    await client.request("DELETE", service);
    const config = core("configmaps", `mc-${drifts + i}-config`);
    const original = await client.request<{ data: Record<string, string> }>("GET", config);
    const [key, value] = Object.entries(original.data)[0]!;
    await client.request("PATCH", config, {
      query: { fieldManager: "kubectl-edit" },
      body: { data: { [key]: "edited by hand" } },
      contentType: "application/merge-patch+json",
    });
    for (;;) {
      const now = await client.request<KubeObject>("GET", service).catch(() => undefined);
      const data = (await client.request<{ data: Record<string, string> }>("GET", config)).data;
      if (now && now.metadata.uid !== before.metadata.uid && data[key] === value) break;
      await sleep(250);
    }
  }
}

async function children(client: KubeClient): Promise<KubeObject[]> {
  const paths = ["/apis/apps/v1/namespaces/chaos/statefulsets", "/api/v1/namespaces/chaos/services"];
  paths.push("/api/v1/namespaces/chaos/configmaps", "/api/v1/namespaces/chaos/secrets");
  const lists = await Promise.all(
    paths.map((p) => client.request<{ kind: string; items: KubeObject[] }>("LIST", p)),
  );
  return lists.flatMap((l) => l.items.map((o) => ({ ...o, kind: l.kind.replace(/List$/, "") })));
}

async function run(mode: "calm" | "chaos"): Promise<Figures> {
  log(`${mode} run: ${n} stacks`);
  const cluster = await benchCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.sandbox.kubeconfig);
  const client = new KubeClient(kc);
  const proxy = await TcpProxy.start("127.0.0.1", cluster.sandbox.state.ports.apiserver);
  const proxied = join(cluster.scratch, "operator.kubeconfig");
  await writeFile(proxied, kubeConfigVia(kc, proxy.port).exportConfig(), { mode: 0o600 });
  let fleet: OperatorFleet | undefined;
  try {
    await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace } } });
    fleet = await OperatorFleet.start({
      kubeconfig: proxied,
      leaseNamespace: namespace,
      namespaces: [namespace],
      replicas: 2,
      installCrds: true,
      extraArgs: leaseArgs,
    });
    const started = Date.now();
    await pool(
      Array.from({ length: n }, (_, i) => `mc-${i}`),
      32,
      (name) =>
        client.request("POST", resourcePath(stackResourceType, namespace), {
          body: {
            apiVersion: "stackwarden.dev/v1alpha1",
            kind: "Stack",
            metadata: { name },
            spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
          },
        }),
    );
    const noChaos: Chaos = { kills: 0, apiserverRestarts: 0, watchCuts: 0, takeoversMs: [], problems: [] };
    const chaos =
      mode === "chaos" ? makeChaos(fleet, proxy, () => cluster.restart("kube-apiserver")) : undefined;
    const convergedAt = await allReady(client, started + 30 * 60_000);
    log(
      `${mode}: all Ready ${convergedAt ? `after ${seconds(convergedAt - started)} s` : "not within 30 min"}`,
    );
    const chaosDone = chaos ? await chaos : noChaos;
    await allReady(client, Date.now() + 10 * 60_000);
    return await measure(
      mode,
      client,
      fleet,
      convergedAt === undefined ? undefined : convergedAt - started,
      chaosDone,
    );
  } finally {
    await fleet?.stop();
    await proxy.close();
    client.close();
    await cluster.done();
  }
}

async function measure(
  mode: "calm" | "chaos",
  client: KubeClient,
  fleet: OperatorFleet,
  convergedMs: number | undefined,
  chaos: Chaos,
): Promise<Figures> {
  await bothHaveLooked(fleet);
  const stacks = (
    await client.request<{ items: ObservedStack[] }>("LIST", resourcePath(stackResourceType, namespace))
  ).items;
  const audit = auditChildren(stacks, await children(client));
  const ready = await readyCount(client);
  const before = await listEvents(client, namespace);
  const falseDrift = externalDriftReasons.reduce((sum, r) => sum + occurrences(before, r), 0);
  const correctedBefore = occurrences(before, "DriftCorrected");
  await makeRealDrifts(client);
  await bothHaveLooked(fleet);
  const after = await listEvents(client, namespace);
  const statusCorrections = (
    await client.request<{ items: ObservedStack[] }>("LIST", resourcePath(stackResourceType, namespace))
  ).items.reduce((sum, s) => sum + (s.status?.drift?.corrections ?? 0), 0);
  return {
    mode,
    convergedMs,
    ready,
    ...audit,
    falseDrift,
    deletedEvents:
      occurrences(after, "ResourceDeletedExternally") - occurrences(before, "ResourceDeletedExternally"),
    modifiedEvents:
      occurrences(after, "ResourceModifiedExternally") - occurrences(before, "ResourceModifiedExternally"),
    correctedEvents: occurrences(after, "DriftCorrected") - correctedBefore,
    statusCorrections,
    chaos,
  };
}

function print(f: Figures): void {
  const perDrift = (count: number): string => (drifts > 0 ? (count / drifts).toFixed(2) : "-");
  const takeovers = f.chaos.takeoversMs;
  console.log(
    `--- ${f.mode} run, ${n} minecraft-java stacks, 2 replicas with leader election (${leaseSeconds} s Lease)`,
  );
  console.log(
    `stacks Ready: ${f.ready}/${n}; converged in ${f.convergedMs === undefined ? "—" : `${seconds(f.convergedMs)} s`}`,
  );
  if (f.mode === "chaos") {
    const mean = takeovers.length ? seconds(takeovers.reduce((a, b) => a + b, 0) / takeovers.length) : "—";
    console.log(
      `chaos: ${f.chaos.kills} leader SIGKILLs (mean takeover ${mean} s), ${f.chaos.apiserverRestarts} kube-apiserver restarts, ${f.chaos.watchCuts} watch cuts`,
    );
    for (const p of f.chaos.problems) console.log(`chaos problem: ${p}`);
  }
  console.log(
    `duplicate children: ${f.duplicates.length}${f.duplicates.length ? ` (${f.duplicates.slice(0, 5).join("; ")})` : ""}`,
  );
  console.log(
    `orphans: ${f.orphans.length}${f.orphans.length ? ` (${f.orphans.slice(0, 5).join(", ")})` : ""}`,
  );
  console.log(`false drift Events (…Externally before any real drift): ${f.falseDrift}`);
  console.log(
    `real drifts: ${drifts} Services deleted → ${perDrift(f.deletedEvents)} ResourceDeletedExternally each; ${drifts} ConfigMaps edited → ${perDrift(f.modifiedEvents)} ResourceModifiedExternally each; ${perDrift(f.correctedEvents / 2)} DriftCorrected per drift`,
  );
  console.log(
    `drift corrections counted in status, all stacks: ${f.statusCorrections} (real drifts: ${2 * drifts})`,
  );
}

const calm = values["skip-calm"] ? undefined : await run("calm");
if (calm) print(calm);
if (!values.calm) {
  const chaotic = await run("chaos");
  print(chaotic);
  if (calm?.convergedMs && chaotic.convergedMs)
    console.log(
      `convergence under chaos / calm: ${(chaotic.convergedMs / calm.convergedMs).toFixed(2)}× (goal ≤ 2×)`,
    );
}
