import { setTimeout as sleep } from "node:timers/promises";
import { Gauge, type Registry } from "prom-client";

/** `probe`'s answer, or `fallback` when it fails or takes longer than `timeoutMs`. */
async function within<T>(probe: () => Promise<T>, fallback: T, timeoutMs: number): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      probe().catch(() => fallback),
      sleep(timeoutMs, fallback, { signal: timeout.signal }),
    ]);
  } finally {
    timeout.abort();
  }
}

/** What the control plane's own gauges read at scrape time. */
export interface ControlPlaneProbes {
  /** True when the database answers; never throws. */
  readonly ping: () => Promise<boolean>;
  /**
   * Live stacks whose Stack resource the control plane does not see now, by
   * cluster; undefined when it cannot tell (the database is away).
   */
  readonly unobserved: () => Promise<Map<string, number> | undefined>;
}

/**
 * Registers, on `registry`, the gauges the alerts on the control plane read:
 * `stackwarden_store_up` (1 when the database answered the scrape's ping, else 0)
 * and `stackwarden_stacks_unobserved{cluster}` (live stacks whose Stack resource is
 * not in the cluster's cache now: the cluster is not connected, its watch has not
 * synced, or the resource is missing). When the database is away the second keeps
 * its last values, so a scrape never fails because of it; each waits at most 2 s for the
 * database (`timeoutMs`), so a scrape during an outage stays within Prometheus's timeout. A second call on the same
 * registry replaces the first one's gauges.
 */
export function controlPlaneMetrics(
  registry: Registry,
  probes: ControlPlaneProbes,
  { timeoutMs = 2_000 }: { timeoutMs?: number } = {},
): void {
  registry.removeSingleMetric("stackwarden_store_up");
  registry.removeSingleMetric("stackwarden_stacks_unobserved");
  new Gauge({
    name: "stackwarden_store_up",
    help: "Whether the control plane's database answered (1) or not (0) at scrape time",
    registers: [registry],
    async collect() {
      this.set((await within(probes.ping, false, timeoutMs)) ? 1 : 0);
    },
  });
  new Gauge({
    name: "stackwarden_stacks_unobserved",
    help: "Live stacks whose Stack resource the control plane does not see in their cluster now",
    labelNames: ["cluster"],
    registers: [registry],
    async collect() {
      const counts = await within(probes.unobserved, undefined, timeoutMs);
      if (!counts) return;
      this.reset();
      for (const [cluster, n] of counts) this.set({ cluster }, n);
    },
  });
}
