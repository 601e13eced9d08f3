import { loadKubeAccess, type KubeAccess } from "../kube/kubeconfig.ts";
import { Manager } from "../operator/manager.ts";
import { installCrds } from "../operator/install-crds.ts";
import type { LeaseTiming } from "../kube/leader-election.ts";
import { registerStackControllers } from "../operator/stack/stack-controller.ts";
import { boundKinds } from "../operator/kinds.ts";
import { startTracing } from "../observability/tracing.ts";
import { createLogger } from "../observability/logger.ts";
import type { OperatorFlags } from "./program.ts";
import { heapCompactor } from "./small-heap.ts";
import { Registry } from "prom-client";

/** How the operator runs; the flags of `stackwarden operator`. */
export interface OperatorOptions {
  readonly kubeconfig: KubeAccess;
  readonly namespaces: readonly string[];
  readonly installCrds: boolean;
  readonly leaderElect: boolean;
  readonly leaseNamespace: string;
  /** The leader election's Lease; `stackwarden-operator` by default. */
  readonly leaseName?: string | undefined;
  /** `host:port` for /metrics (and health); `0` turns it off. */
  readonly metricsBindAddress: string;
  /** `host:port` for /healthz and /readyz; `0` turns it off. */
  readonly healthProbeBindAddress: string;
  readonly logLevel: string;
  readonly otlpEndpoint?: string | undefined;
  /** How often converged stacks are reconciled again; 10 min by default. */
  readonly resyncPeriodMs?: number;
  /** How long a new leader waits for its caches; 2 min by default. */
  readonly cacheSyncTimeoutMs?: number;
  /** The leader election's timing; the client-go defaults (15 s, 10 s, 2 s) when not given. */
  readonly leaseTiming?: LeaseTiming;
}

/** Parses `:8080`, `0.0.0.0:8080`, `127.0.0.1:0`; `0` means off. */
export function parseBindAddress(address: string): { host: string; port: number } | undefined {
  if (address === "0" || address === "") return undefined;
  const i = address.lastIndexOf(":");
  const host = i <= 0 ? "0.0.0.0" : address.slice(0, i);
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid bind address ${JSON.stringify(address)}`);
  return { host, port };
}

/**
 * Starts the operator: tracing, CRDs (when asked), the manager with the Stack
 * controller, health and metrics servers. Returns the manager and a promise
 * that settles when `signal` has stopped it.
 */
export async function startOperator(
  options: OperatorOptions,
  signal: AbortSignal,
): Promise<{ manager: Manager; done: Promise<void> }> {
  const tracing = await startTracing({
    serviceName: "stackwarden-operator",
    otlpEndpoint: options.otlpEndpoint,
  });
  const metrics = parseBindAddress(options.metricsBindAddress);
  const probes = parseBindAddress(options.healthProbeBindAddress);
  const registry = new Registry();
  const manager = new Manager({
    registry,
    kubeconfig: options.kubeconfig,
    leaseNamespace: options.leaseNamespace,
    ...(options.leaseName ? { leaseName: options.leaseName } : {}),
    leaderElection: options.leaderElect,
    ...(probes ? { healthPort: probes.port, healthHost: probes.host } : {}),
    ...(metrics ? { metricsPort: metrics.port, metricsHost: metrics.host } : {}),
    logger: createLogger({ level: options.logLevel, name: "operator" }),
    ...(options.resyncPeriodMs ? { resyncPeriodMs: options.resyncPeriodMs } : {}),
    ...(options.cacheSyncTimeoutMs ? { cacheSyncTimeoutMs: options.cacheSyncTimeoutMs } : {}),
    ...(options.leaseTiming ? { leaseTiming: options.leaseTiming } : {}),
    ...heapCompactor({ registry }),
  });
  if (options.installCrds) await installCrds(manager.client, manager.types);
  registerStackControllers(manager, boundKinds, { namespaces: options.namespaces });
  const done = manager.run(signal).finally(() => tracing.shutdown());
  return { manager, done };
}

/** `stackwarden operator [flags]`: runs until SIGINT or SIGTERM. */
export async function runOperator(flags: OperatorFlags): Promise<number> {
  const kubeconfig = await loadKubeAccess(flags.kubeconfig);
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const { done } = await startOperator(
    {
      kubeconfig,
      namespaces: flags.namespaces,
      installCrds: flags.installCrds,
      leaderElect: flags.leaderElect,
      leaseNamespace: flags.leaderElectionNamespace,
      metricsBindAddress: flags.metricsBindAddress,
      healthProbeBindAddress: flags.healthProbeBindAddress,
      logLevel: flags.logLevel,
      otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
      resyncPeriodMs: flags.resyncPeriodSeconds * 1000,
      cacheSyncTimeoutMs: flags.cacheSyncTimeoutSeconds * 1000,
      leaseTiming: {
        leaseDurationMs: flags.leaseDurationSeconds * 1000,
        renewDeadlineMs: flags.renewDeadlineSeconds * 1000,
        retryPeriodMs: flags.retryPeriodSeconds * 1000,
      },
    },
    stop.signal,
  );
  await done;
  return 0;
}
