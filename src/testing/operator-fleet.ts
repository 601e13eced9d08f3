/**
 * Operators as they ship, for tests and benchmarks: N real `stackwarden operator` processes with
 * leader election, each a child process with its own /metrics, killed and restarted on demand.
 */
import { after } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { packageRoot } from "../sandbox/paths.ts";
import { freePorts } from "../sandbox/ports.ts";
import { eventually } from "./eventually.ts";
import { parsePrometheusText, type Sample } from "./prometheus-text.ts";

/** How a fleet's processes run: the flags every replica gets. */
export interface OperatorFleetOptions {
  /** The kubeconfig file of the cluster (e.g. the test sandbox's). */
  readonly kubeconfig: string;
  /** Where the Lease lives; a test's own namespace keeps its election apart from everyone else's. */
  readonly leaseNamespace: string;
  /** `--namespaces`; empty watches every namespace. */
  readonly namespaces: readonly string[];
  readonly replicas: number;
  /** `--install-crds` on the first replica's first start only (two installing at once would race). */
  readonly installCrds?: boolean;
  /** `--log-level`; `info` by default, which logs leadership changes (the fleet reads them). */
  readonly logLevel?: string;
  /** More flags for every replica. */
  readonly extraArgs?: readonly string[];
  /** Lines kept per process for diagnostics; the oldest go first. 2000 by default. */
  readonly keepLines?: number;
}

/** The Lease the operator elects its leader on (the Manager's default name). */
export const operatorLeaseName = "stackwarden-operator";

/** One operator process: which slot it fills, its ports, its output and, once it led, its identity. */
export class OperatorReplica {
  /** `replica-0`, `replica-1`…: a restart fills the same slot with a new process. */
  readonly slot: string;
  readonly child: ChildProcess;
  readonly metricsPort: number;
  readonly healthPort: number;
  /** Its latest stdout and stderr lines. */
  readonly lines: string[] = [];
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  #exit: number | string | undefined;
  #identity: string | undefined;

  constructor(slot: string, child: ChildProcess, ports: { metrics: number; health: number }, keep: number) {
    this.slot = slot;
    this.child = child;
    this.metricsPort = ports.metrics;
    this.healthPort = ports.health;
    const read = (line: string): void => {
      this.lines.push(line);
      if (this.lines.length > keep) this.lines.shift();
      if (line.includes("leading: starting controllers")) this.#identity ??= identityIn(line);
    };
    createInterface({ input: child.stdout! }).on("line", read);
    createInterface({ input: child.stderr! }).on("line", read);
    this.exited = once(child, "exit").then(([code, signal]: unknown[]) => {
      this.#exit = (code as number | null) ?? (signal as string);
      return this.#exit;
    });
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** The exit code or signal, once exited. */
  get exitStatus(): number | string | undefined {
    return this.#exit;
  }

  /** The Lease identity it wrote, known once it has started leading. */
  get identity(): string | undefined {
    return this.#identity;
  }

  /** Its /metrics, parsed. */
  async metrics(): Promise<Sample[]> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    if (!response.ok) throw new Error(`${this.slot} /metrics: HTTP ${response.status}`);
    return parsePrometheusText(await response.text());
  }

  /** True when its caches have synced (/readyz answers 200). */
  async ready(): Promise<boolean> {
    const response = await fetch(`http://127.0.0.1:${this.healthPort}/readyz`).catch(() => undefined);
    return response?.ok ?? false;
  }
}

function identityIn(line: string): string | undefined {
  try {
    const identity = (JSON.parse(line) as { identity?: unknown }).identity;
    return typeof identity === "string" ? identity : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A set of operator replicas on one Lease. Guarantees:
 * - every replica runs `node src/cli/main.ts operator --leader-elect` with the options' flags and
 *   loopback ports of its own for /metrics and /readyz; `start` returns once all are ready;
 * - {@link leader} answers only from the Lease's holderIdentity and a live replica that logged it
 *   leads under that identity, so a killed leader is never answered;
 * - {@link stop} ends every process it started, by SIGTERM, then SIGKILL after 20 s.
 */
export class OperatorFleet {
  readonly #options: OperatorFleetOptions;
  readonly #client: KubeClient;
  readonly #replicas = new Map<string, OperatorReplica>();
  /** Every process ever started, the dead included, for diagnostics and clean-up. */
  readonly #all: OperatorReplica[] = [];

  private constructor(options: OperatorFleetOptions) {
    this.#options = options;
    const kc = new KubeConfig();
    kc.loadFromFile(options.kubeconfig);
    this.#client = new KubeClient(kc);
  }

  /** Starts `replicas` processes and waits until each one's caches have synced. */
  static async start(options: OperatorFleetOptions): Promise<OperatorFleet> {
    const fleet = new OperatorFleet(options);
    try {
      // The first replica installs the CRDs before the others list them (a 404 backs a list off 30 s).
      const first = await fleet.#spawn("replica-0", options.installCrds === true);
      if (options.installCrds === true) await fleet.waitReady(first);
      for (let i = 1; i < options.replicas; i++) await fleet.#spawn(`replica-${i}`, false);
      await Promise.all(fleet.replicas.map((r) => fleet.waitReady(r)));
    } catch (e: unknown) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  /** The current process of every slot. */
  get replicas(): OperatorReplica[] {
    return [...this.#replicas.values()];
  }

  /** Every process this fleet started, the exited included. */
  get history(): readonly OperatorReplica[] {
    return this.#all;
  }

  async #spawn(slot: string, installCrds: boolean): Promise<OperatorReplica> {
    const [metrics, health] = (await freePorts(2)) as [number, number];
    const o = this.#options;
    const child = spawn(
      process.execPath,
      [
        join(packageRoot, "src", "cli", "main.ts"),
        "operator",
        `--kubeconfig=${o.kubeconfig}`,
        "--leader-elect",
        `--leader-election-namespace=${o.leaseNamespace}`,
        `--namespaces=${o.namespaces.join(",")}`,
        `--metrics-bind-address=127.0.0.1:${metrics}`,
        `--health-probe-bind-address=127.0.0.1:${health}`,
        `--log-level=${o.logLevel ?? "info"}`,
        ...(installCrds ? ["--install-crds"] : []),
        ...(o.extraArgs ?? []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const replica = new OperatorReplica(slot, child, { metrics, health }, o.keepLines ?? 2000);
    this.#replicas.set(slot, replica);
    this.#all.push(replica);
    return replica;
  }

  /** Waits until `replica`'s caches have synced; fails at once if it exits first. */
  async waitReady(replica: OperatorReplica, timeoutMs = 60_000): Promise<void> {
    await eventually(
      `${replica.slot} to be ready`,
      async () => {
        if (!replica.alive) throw new Error(`${replica.slot} exited with ${replica.exitStatus}`);
        return (await replica.ready()) ? true : undefined;
      },
      { timeoutMs, explain: () => Promise.resolve(this.describe()) },
    );
  }

  /** The Lease's holderIdentity now, if anyone holds it. */
  async holder(): Promise<string | undefined> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${this.#options.leaseNamespace}/leases/${operatorLeaseName}`;
    try {
      const lease = await this.#client.request<{ spec?: { holderIdentity?: string } }>("GET", path);
      return lease.spec?.holderIdentity || undefined;
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * The replica leading now: the Lease names it and it is alive. Waits for one (a takeover after
   * a SIGKILL waits for the Lease to expire, about 15 s).
   */
  async leader(timeoutMs = 60_000): Promise<OperatorReplica> {
    return eventually(
      "a live replica to hold the Lease",
      async () => {
        const holder = await this.holder();
        return this.replicas.find((r) => r.alive && holder !== undefined && r.identity === holder);
      },
      { timeoutMs, intervalMs: 200, explain: () => Promise.resolve(this.describe()) },
    );
  }

  /** The live replicas other than `leader`. */
  standbys(leader: OperatorReplica): OperatorReplica[] {
    return this.replicas.filter((r) => r !== leader && r.alive);
  }

  /** Sends `signal` to `replica` and waits until it has exited. */
  async kill(replica: OperatorReplica, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (replica.alive) replica.child.kill(signal);
    await replica.exited;
  }

  /** Starts a new process in `replica`'s slot (killing the old one first if alive) and waits until it is ready. */
  async restart(replica: OperatorReplica): Promise<OperatorReplica> {
    await this.kill(replica);
    const next = await this.#spawn(replica.slot, false);
    await this.waitReady(next);
    return next;
  }

  /**
   * A graceful leader change: SIGTERMs the leader (it drains, writes its pending Events and
   * releases the Lease), waits for another replica to lead, then starts a new process in the old
   * one's slot. Returns the new leader. A standby that has led before is first replaced by a new
   * process, so the new leader has never led: every reconcile its /metrics count is one it made
   * since it took over.
   */
  async handOver(): Promise<OperatorReplica> {
    const old = await this.leader();
    for (const standby of this.standbys(old)) if (standby.identity !== undefined) await this.restart(standby);
    await this.kill(old, "SIGTERM");
    const next = await this.leader();
    await this.restart(old);
    return next;
  }

  /** Each process's slot, state and last lines: what a failed wait prints. */
  describe(lines = 15): string {
    return this.#all
      .map(
        (r) =>
          `--- ${r.slot} pid ${r.child.pid} ${r.alive ? "alive" : `exited ${r.exitStatus}`} identity ${r.identity ?? "-"}\n` +
          r.lines.slice(-lines).join("\n"),
      )
      .join("\n");
  }

  /** Stops every process: SIGTERM (a leader releases its Lease), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#all.map(async (r) => {
        if (!r.alive) return;
        r.child.kill("SIGTERM");
        const timer = setTimeout(() => r.child.kill("SIGKILL"), 20_000);
        await r.exited;
        clearTimeout(timer);
      }),
    );
    this.#client.close();
  }
}

/**
 * Starts a fleet for the calling test file and stops it when the file's tests end. Call it at the
 * top level of the test file.
 */
export async function useOperatorFleet(options: OperatorFleetOptions): Promise<OperatorFleet> {
  const fleet = await OperatorFleet.start(options);
  after(async () => {
    await fleet.stop();
  });
  return fleet;
}
