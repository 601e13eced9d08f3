/**
 * `stackwarden agent`: runs in its cluster and connects out to the control
 * plane (never the other way). It pulls the cluster's desired stacks (long
 * poll), applies them as the direct reconciler does, and pushes what it sees
 * through a bounded on-disk buffer, replayed oldest first after an outage.
 * See docs/agent.md.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import { Backoff, controlPlaneBackoffOptions } from "../../engine/backoff.ts";
import { realClock } from "../../engine/clock.ts";
import { Controller } from "../../engine/controller.ts";
import { retryPolicy } from "../../engine/retry-policy.ts";
import { KubeClient } from "../../kube/client.ts";
import { startHealthServer } from "../../observability/health-server.ts";
import { ClusterWatch } from "../observers/cluster-watch.ts";
import { AgentClient, AgentClientError, controlPlaneUrl, type AgentReport } from "./agent-client.ts";
import { AgentMetrics, type AgentCall } from "./agent-metrics.ts";
import { AgentStackReconciler } from "./agent-stack-reconciler.ts";
import { ObservationBuffer } from "./observation-buffer.ts";
import { maxWaitMs, reportEveryMs, type DesiredStack } from "./protocol.ts";

/** How an agent runs; the flags of `stackwarden agent`. */
export interface AgentOptions {
  /** The control plane's base URL: https, or http to localhost only. */
  readonly controlPlane: string;
  /** A file holding the one-time join token (read only while the agent has no credential yet). */
  readonly tokenFile: string;
  /** Where the credential and the observation buffer live (keep it on a volume: it survives restarts). */
  readonly stateDir: string;
  readonly kubeconfig: KubeConfig;
  readonly agentVersion: string;
  readonly log: Logger;
  /** The most observations buffered while the control plane is away; beyond it the oldest are dropped (recorded). Default 10,000. */
  readonly bufferLimit?: number;
  readonly registry?: Registry;
  /** Where to serve `/metrics` (the registry), `/healthz` and `/readyz`; not served when omitted. */
  readonly metrics?: { readonly host: string; readonly port: number };
}

/** A running agent. */
export interface Agent {
  readonly cluster: string;
  readonly buffer: ObservationBuffer;
  /** Where its metrics are (see {@link AgentMetrics}). */
  readonly registry: Registry;
  /** The port `/metrics` is served on, when asked to serve it. */
  readonly metricsPort: number | undefined;
  /** Settles once `signal` stopped every loop. */
  readonly done: Promise<void>;
}

const pause = (ms: number, signal: AbortSignal, wake?: (fn: () => void) => () => void): Promise<void> =>
  new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      off?.();
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    const off = wake?.(finish);
    signal.addEventListener("abort", finish, { once: true });
  });

/** Reads the stored credential, or trades the join token for one and stores it (mode 0600). */
async function credentialOf(
  o: AgentOptions,
  client: AgentClient,
  report: AgentReport,
): Promise<{ cluster: string; credential: string }> {
  const file = join(o.stateDir, "credential.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as { cluster: string; credential: string };
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const joinToken = (await readFile(o.tokenFile, "utf8")).trim();
  if (joinToken === "") throw new Error(`--token-file ${o.tokenFile} is empty`);
  const joined = await client.join(joinToken, report);
  await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(joined), { mode: 0o600 });
  o.log.info({ cluster: joined.cluster }, "joined the control plane");
  return joined;
}

/**
 * Starts the agent: joins (first start) or uses its stored credential,
 * starts watching its cluster and returns once both are under way. Every
 * failure to reach the control plane is retried (backing off to 10 s, full
 * jitter) while observations wait on disk; with `metrics` it serves
 * `/metrics` and the probes; `done` settles when `signal` aborts.
 */
export async function startAgent(o: AgentOptions, signal: AbortSignal): Promise<Agent> {
  const client = new AgentClient(controlPlaneUrl(o.controlPlane));
  const watchLog = (
    level: "info" | "warn" | "error" | "debug",
    message: string,
    fields?: Record<string, unknown>,
  ): void => o.log[level](fields ?? {}, message);
  const probe = new KubeClient(o.kubeconfig, { userAgent: "stackwarden-agent" });
  const version = await probe
    .request<{ gitVersion: string }>("GET", "/version", { signal })
    .finally(() => probe.close());
  const report = { agentVersion: o.agentVersion, kubernetesVersion: version.gitVersion };
  const { cluster, credential } = await credentialOf(o, client, report);
  client.credential = credential;
  const buffer = await ObservationBuffer.open(join(o.stateDir, "outbox"), o.bufferLimit ?? 10_000);
  const watch = new ClusterWatch({ name: cluster, kubeconfig: o.kubeconfig, log: watchLog });
  let desired = new Map<string, DesiredStack>();
  const registry = o.registry ?? new Registry();
  const metrics = new AgentMetrics(registry, () => buffer.size);
  buffer.onAppend((seq) => metrics.buffered(seq));
  buffer.onDrop(() => metrics.dropped());
  const controller = new Controller({
    name: "agent_stack",
    reconciler: new AgentStackReconciler({ cluster: watch, desired: () => desired, buffer, log: o.log }),
    registry,
    maxConcurrentReconciles: 4,
    retryPolicy: retryPolicy({
      transient: { initialMs: 1_000, factor: 2, maxMs: 30_000 },
      unknownMs: 10_000,
      permanent: { firstMs: 60_000, thenMs: 300_000 },
      failedAfter: 5,
    }),
  });
  watch.onStackId((id) => controller.queue.add(id));
  const watching = watch.run(signal);
  controller.start();

  /**
   * Runs `body` until `signal`, retrying a failure after a delay of full jitter over an
   * exponential step (500 ms doubling to 10 s), so agents coming back after a control-plane
   * outage spread their retries; a success starts the steps over. A protocol refusal is logged
   * as an error, anything else as a warning.
   */
  const loop = async (what: AgentCall, body: () => Promise<void>): Promise<void> => {
    const backoff = new Backoff({ ...controlPlaneBackoffOptions, clock: realClock });
    while (!signal.aborted) {
      try {
        await body();
        backoff.reset();
      } catch (e: unknown) {
        if (signal.aborted) break;
        metrics.failed(what, buffer.lastSeq);
        const status = e instanceof AgentClientError ? e.status : 0;
        o.log[status === 400 ? "error" : "warn"](
          { error: (e as Error).message, status },
          `the ${what} call to the control plane failed; retrying`,
        );
        await pause(backoff.next(), signal);
      }
    }
  };
  let acked = false;
  const reportLoop = loop("report", async () => {
    const { ack } = await client.report(cluster, report, signal);
    metrics.succeeded();
    await buffer.skipTo(ack);
    acked = true;
    await pause(reportEveryMs, signal);
  });
  let revision: string | undefined;
  const pollLoop = loop("desired", async () => {
    const doc = await client.desired(cluster, revision, maxWaitMs, signal);
    metrics.succeeded();
    if (doc.revision === revision) return;
    desired = new Map(doc.stacks.map((s) => [s.id, s]));
    revision = doc.revision;
    for (const id of desired.keys()) controller.queue.add(id);
  });
  const sendLoop = loop("observations", async () => {
    const batch = acked ? await buffer.pending(200) : [];
    const dropped = acked ? buffer.dropped : null;
    if (batch.length === 0 && !dropped) {
      await pause(1_000, signal, (fn) => buffer.onAppend(fn));
      return;
    }
    const { ack } = await client.send(cluster, batch, dropped, signal);
    metrics.succeeded();
    metrics.acknowledged(batch, ack);
    await buffer.ack(ack, dropped);
  });
  const served = o.metrics
    ? await startHealthServer({
        ...o.metrics,
        registry,
        checks: { live: () => true, ready: () => watch.synced && acked },
      })
    : undefined;
  const done = (async () => {
    await Promise.all([reportLoop, pollLoop, sendLoop]);
    await served?.close();
    await controller.stop();
    await watching.catch(() => undefined);
  })();
  return { cluster, buffer, registry, metricsPort: served?.port, done };
}
