/**
 * Leader election against a real API server: two electors in one process
 * hand over through a released Lease, and a standby in another process takes
 * over from a leader killed without releasing once the Lease has expired.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { KubeClient } from "./client.ts";
import { LeaderElector } from "./leader-election.ts";
import type { LeaseSpec } from "./lease-decision.ts";
import { parseMicroTime } from "./micro-time.ts";
import { eventually } from "../testing/eventually.ts";
import { useTestNamespace } from "../testing/cluster.ts";

const ns = await useTestNamespace("leader-election");
const client = new KubeClient(ns.kc);
const children: ChildProcess[] = [];

after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  client.close();
});

const readLease = async (name: string): Promise<LeaseSpec> =>
  (
    await client.request<{ spec?: LeaseSpec }>(
      "GET",
      `/apis/coordination.k8s.io/v1/namespaces/${ns.namespace}/leases/${name}`,
    )
  ).spec ?? {};

describe("LeaderElector", () => {
  it("elects exactly one of two candidates, and hands over at once when the leader releases", async () => {
    const logs: string[] = [];
    const candidate = (
      identity: string,
    ): { elector: LeaderElector; stop: AbortController; done: Promise<void>; events: string[] } => {
      const events: string[] = [];
      const elector = new LeaderElector({
        client,
        namespace: ns.namespace,
        name: "in-process",
        identity,
        onStartedLeading: (signal) =>
          new Promise<void>((resolve) => {
            events.push("started");
            signal.addEventListener("abort", () => (events.push("aborted"), resolve()), { once: true });
          }),
        onStoppedLeading: () => void events.push("stopped"),
        log: (_level, message) => void logs.push(`${identity}: ${message}`),
      });
      const stop = new AbortController();
      return { elector, stop, done: elector.run(stop.signal), events };
    };
    const a = candidate("a");
    const b = candidate("b");
    let overlaps = 0;
    const monitor = setInterval(() => (a.elector.isLeader && b.elector.isLeader ? overlaps++ : 0), 20);
    try {
      const [leader, standby] = await eventually("a leader", () =>
        a.elector.isLeader ? [a, b] : b.elector.isLeader ? [b, a] : undefined,
      );
      assert.equal((await readLease("in-process")).holderIdentity, leader.elector.identity);
      assert.equal(standby.elector.isLeader, false);

      leader.stop.abort();
      await leader.done;
      assert.deepEqual(leader.events, ["started", "aborted", "stopped"]);
      assert.ok(logs.includes(`${leader.elector.identity}: released the Lease`), logs.join("\n"));
      // A released Lease is taken on the standby's next try, long before 15 s would expire it.
      await eventually("the standby to lead", () => (standby.elector.isLeader ? true : undefined), {
        timeoutMs: 10_000,
      });
      const lease = await readLease("in-process");
      assert.equal(lease.holderIdentity, standby.elector.identity);
      assert.equal(lease.leaseTransitions, 1);
      assert.deepEqual(standby.events, ["started"]);

      standby.stop.abort();
      await standby.done;
      assert.equal((await readLease("in-process")).holderIdentity, undefined);
    } finally {
      clearInterval(monitor);
      a.stop.abort();
      b.stop.abort();
    }
    assert.equal(overlaps, 0, "both candidates led at the same time");
  });

  it("lets a standby process take over once a killed leader's Lease expires", async (t) => {
    const script = fileURLToPath(new URL("./testdata/lease-candidate.ts", import.meta.url));
    const events: Array<{ event: string; identity: string; holder?: string; at: number }> = [];
    const logs: string[] = [];
    let passed = false;
    // The candidates' logs explain a failure; they are printed only then.
    t.after(() => {
      if (!passed) process.stderr.write(`candidate logs:\n${logs.join("\n")}\n`);
    });
    const start = (identity: string): ChildProcess => {
      const child = spawn(process.execPath, [script, ns.namespace, "two-processes", identity], {
        env: { ...process.env, STACKWARDEN_TEST_KUBECONFIG: ns.kubeconfig },
        stdio: ["pipe", "pipe", "pipe"],
      });
      children.push(child);
      createInterface({ input: child.stdout }).on("line", (line) => {
        events.push(JSON.parse(line) as (typeof events)[number]);
      });
      createInterface({ input: child.stderr }).on("line", (line) => void logs.push(`${identity}: ${line}`));
      return child;
    };
    const processes = new Map([
      ["first", start("first")],
      ["second", start("second")],
    ]);
    const leading = (identity: string): boolean =>
      events.some((e) => e.event === "leading" && e.identity === identity);

    const leader = await eventually("a leader", () =>
      leading("first") ? "first" : leading("second") ? "second" : undefined,
    );
    const standby = leader === "first" ? "second" : "first";
    await eventually("the standby to see the leader", () =>
      events.some((e) => e.identity === standby && e.event === "newLeader" && e.holder === leader)
        ? true
        : undefined,
    );
    assert.equal((await readLease("two-processes")).holderIdentity, leader);

    const killedAt = Date.now();
    processes.get(leader)!.kill("SIGKILL");
    let lastRenewal = Number.NaN;
    const taken = await eventually(
      "the standby to lead",
      async () => {
        const lease = await readLease("two-processes");
        if (lease.holderIdentity === leader)
          lastRenewal = parseMicroTime(lease.renewTime ?? "") ?? Number.NaN;
        return leading(standby) && lease.holderIdentity === standby ? lease : undefined;
      },
      { timeoutMs: 20_000 },
    );
    t.diagnostic(`takeover ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL`);
    assert.equal(leading(standby), true);
    assert.equal(taken.leaseTransitions, 1);
    // Not released, so the standby must have waited for the Lease to expire.
    const acquired = parseMicroTime(taken.acquireTime ?? "") ?? Number.NaN;
    assert.ok(
      acquired - lastRenewal > 15_000,
      `acquired ${acquired - lastRenewal} ms after the last renewal`,
    );

    // A SIGTERM'd leader releases the Lease before it exits.
    const survivor = processes.get(standby)!;
    const exited = new Promise((resolve) => survivor.once("close", resolve));
    survivor.kill("SIGTERM");
    await exited;
    assert.ok(events.some((e) => e.identity === standby && e.event === "exited"));
    assert.equal((await readLease("two-processes")).holderIdentity, undefined);
    passed = true;
  });
});
