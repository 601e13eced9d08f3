import { Gauge, type Registry } from "prom-client";

const leasesByRegistry = new WeakMap<Registry, Map<string, () => boolean>>();

/**
 * Registers client-go's `leader_election_master_status{name}` on `registry`: 1 while
 * `isLeader()` says this process leads for the Lease `name`, else 0, read at scrape
 * time. A process without leader election leads always and reports 1. Several
 * Leases share one gauge; registering a Lease name twice keeps the first.
 */
export function leaderElectionMetric(registry: Registry, name: string, isLeader: () => boolean): void {
  let leases = leasesByRegistry.get(registry);
  if (!leases) {
    const known = new Map<string, () => boolean>();
    leases = known;
    leasesByRegistry.set(registry, known);
    new Gauge({
      name: "leader_election_master_status",
      help: "Whether this process leads (1) or stands by (0), by Lease name",
      labelNames: ["name"],
      registers: [registry],
      collect() {
        for (const [lease, leads] of known) this.set({ name: lease }, leads() ? 1 : 0);
      },
    });
  }
  if (!leases.has(name)) leases.set(name, isLeader);
}
