import { createHash } from "node:crypto";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { sandboxDown, sandboxUp } from "../sandbox/sandbox.ts";
import { SandboxJobRunner } from "../sandbox/job-runner.ts";
import { sandboxPaths } from "../sandbox/paths.ts";
import { KubeClient } from "../kube/client.ts";
import { loadKubeAccess, type KubeAccess } from "../kube/kubeconfig.ts";
import { createLogger } from "../observability/logger.ts";
import { startOperator } from "./operator.ts";
import { announceAdminToken, startServer } from "./server.ts";
import type { UpFlags } from "./program.ts";

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * The Lease `up`'s operator is elected on. Two `up`s on one cluster for the same namespaces take
 * turns (one leads, one stands by); for different `--namespaces` they are different operators and
 * must not wait on each other, so the set of namespaces is part of the name.
 */
export function upLeaseName(namespaces: readonly string[]): string {
  if (namespaces.length === 0) return "stackwarden-operator";
  const scope = [...new Set(namespaces)].sort().join(",");
  return `stackwarden-operator-${createHash("sha256").update(scope).digest("hex").slice(0, 10)}`;
}

/**
 * `stackwarden up`: both planes in one process on embedded defaults — the
 * operator (CRDs installed, leader-elected) and the control plane on PGlite in
 * `--data-dir`, against `--kubeconfig` or, with none, the local sandbox
 * cluster. One address (`--listen`) serves the API, the UI, /metrics, /healthz
 * and /readyz. The first start prints the first admin token once and writes it
 * to `<data-dir>/admin-token` (mode 0600). Stays in the foreground until
 * Ctrl-C, then stops both planes and, if this command started it, the sandbox.
 */
export async function runUp(flags: UpFlags): Promise<number> {
  const sandboxOptions = { name: flags.sandbox, env: process.env, log };
  let sandbox: Awaited<ReturnType<typeof sandboxUp>> | undefined;
  let kubeconfig: KubeAccess;
  if (flags.kubeconfig) {
    kubeconfig = await loadKubeAccess(flags.kubeconfig);
  } else {
    log("stackwarden up: starting the local sandbox cluster");
    sandbox = await sandboxUp(sandboxOptions);
    kubeconfig = await loadKubeAccess(sandbox.kubeconfig);
  }
  const stop = new AbortController();
  const operator = await startOperator(
    {
      kubeconfig,
      namespaces: flags.namespaces,
      installCrds: true,
      leaderElect: true,
      leaseNamespace: "default",
      leaseName: upLeaseName(flags.namespaces),
      // One address serves everything: the operator's own servers stay off.
      metricsBindAddress: "0",
      healthProbeBindAddress: "0",
      logLevel: flags.logLevel,
    },
    stop.signal,
  );
  // On the local sandbox, backup Jobs' containers run through the job runner (docs/sandbox.md).
  const runnerClient = sandbox
    ? new KubeClient(kubeconfig, { userAgent: "stackwarden-sandbox-jobs" })
    : undefined;
  const runner = runnerClient
    ? new SandboxJobRunner(runnerClient, {
        volumesDir: join(sandboxPaths(flags.sandbox, process.env).dir, "volumes"),
      })
    : undefined;
  runner?.start();
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(
      {
        listen: flags.listen,
        databaseUrl: flags.databaseUrl,
        dataDir: resolve(flags.dataDir),
        kubeconfig,
        clusterName: "local",
        logger: createLogger({ level: flags.logLevel, name: "control-plane" }),
        registry: operator.manager.registry,
        alsoReady: () => operator.manager.ready,
      },
      stop.signal,
    );
  } catch (e: unknown) {
    // Do not leave half of it running: stop the operator, and the sandbox if this command started it.
    stop.abort();
    await operator.done;
    await runner?.stop();
    runnerClient?.close();
    if (sandbox && !sandbox.reused) await sandboxDown(sandboxOptions);
    throw e;
  }
  log("");
  log("Stackwarden is up.");
  log(`  panel and API:  ${server.url}  (API under /api/v1, OpenAPI at /api/openapi.json)`);
  log(`  health:         ${server.url}/readyz   metrics: ${server.url}/metrics`);
  log(
    `  store:          ${server.store.db.kind === "pglite" ? `PGlite in ${resolve(flags.dataDir, "db")}` : "PostgreSQL"}`,
  );
  if (sandbox) {
    log(`  Kubernetes API: ${sandbox.server}${sandbox.reused ? " (already running)" : ""}`);
    log(`  kubeconfig:     ${sandbox.kubeconfig}`);
  }
  announceAdminToken(server, log);
  log("");
  log(
    sandbox?.reused === false ? "Press Ctrl-C to stop." : "Press Ctrl-C to stop (the cluster keeps running).",
  );
  await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM"), operator.done, server.done]);
  log("stopping the control plane and the operator");
  stop.abort();
  await Promise.all([server.done, operator.done]);
  await runner?.stop();
  runnerClient?.close();
  if (sandbox && !sandbox.reused) {
    log("stopping the sandbox");
    await sandboxDown(sandboxOptions);
  }
  return 0;
}
