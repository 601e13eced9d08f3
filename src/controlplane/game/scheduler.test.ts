import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeBackends } from "../../testing/databases.ts";
import { seedMinecraftStack } from "../../testing/store-seed.ts";
import { ScheduleService } from "./schedule-service.ts";
import { Scheduler, type ScheduleActions } from "./scheduler.ts";

/** Actions that only write down what they were asked (the scheduler's contract is when, and how often). */
function recording(fail = false): { actions: ScheduleActions; calls: string[] } {
  const calls: string[] = [];
  const act = (what: string) => (): Promise<void> => {
    calls.push(what);
    return fail ? Promise.reject(new Error(`${what} failed`)) : Promise.resolve();
  };
  return {
    calls,
    actions: {
      restart: act("restart"),
      backup: (_id, _actor, options) => {
        calls.push(`backup ${JSON.stringify(options)}`);
        return fail ? Promise.reject(new Error("backup failed")) : Promise.resolve();
      },
      command: (_id, command) => {
        calls.push(`command ${command}`);
        return Promise.resolve();
      },
    },
  };
}

const seeded = seedMinecraftStack;

/** A clock the test moves. */
function clock(iso: string): { now: () => Date; set: (iso: string) => void } {
  let t = new Date(iso);
  return { now: () => t, set: (next) => (t = new Date(next)) };
}

for (const backend of storeBackends) {
  describe(`the scheduler on ${backend.name} (an injected clock)`, () => {
    it("runs a due run once across two replicas, in the schedule's zone, and records it", async () => {
      const store = await backend.open();
      const id = await seeded(store);
      const time = clock("2026-06-10T01:00:00Z");
      await new ScheduleService(store, time.now).create(
        id,
        { cron: "0 4 * * *", timeZone: "Europe/Berlin", action: "command", command: "say nightly" },
        "alice",
      );
      const a = recording();
      const b = recording();
      const replicas = [
        new Scheduler(store, a.actions, { holder: "a", now: time.now }),
        new Scheduler(store, b.actions, { holder: "b", now: time.now }),
      ];
      const tickAll = async (): Promise<number[]> => Promise.all(replicas.map((r) => r.tick()));

      time.set("2026-06-10T01:59:59Z");
      assert.deepEqual(await tickAll(), [0, 0], "04:00 Berlin is 02:00 UTC in June: not yet");
      time.set("2026-06-10T02:00:01Z");
      const ran = await tickAll();
      assert.equal(ran[0]! + ran[1]!, 1, "exactly one replica runs it");
      assert.deepEqual([...a.calls, ...b.calls], ["command say nightly"]);
      time.set("2026-06-10T02:00:30Z");
      assert.deepEqual(await tickAll(), [0, 0], "the same run never twice");
      const runs = await store.events({ stackId: id, types: ["ScheduleRun"], limit: 10 });
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.data["outcome"], "ran");
      assert.equal(runs[0]!.data["dueAt"], "2026-06-10T02:00:00.000Z");
      assert.match(runs[0]!.actor, /^schedule:/);
    });

    it("after downtime: run-once runs once, skip records a skipped run; a failure is an event", async () => {
      const store = await backend.open();
      const id = await seeded(store);
      const time = clock("2026-06-10T00:00:00Z");
      const service = new ScheduleService(store, time.now);
      await service.create(
        id,
        { cron: "0 * * * *", timeZone: "UTC", action: "restart", missed: "run-once" },
        "al",
      );
      await service.create(
        id,
        { cron: "0 * * * *", timeZone: "UTC", action: "backup", missed: "skip" },
        "al",
      );
      const ok = recording();
      time.set("2026-06-10T05:30:00Z"); // down for five hourly runs
      assert.equal(await new Scheduler(store, ok.actions, { holder: "a", now: time.now }).tick(), 1);
      assert.deepEqual(ok.calls, ["restart"]);
      const runs = await store.events({ stackId: id, types: ["ScheduleRun"], limit: 10 });
      assert.deepEqual(runs.map((e) => [e.data["action"], e.data["outcome"], e.data["skipped"]]).sort(), [
        ["backup", "skipped", 5],
        ["restart", "ran", 4],
      ]);

      const failing = recording(true);
      time.set("2026-06-10T06:00:00Z");
      assert.equal(await new Scheduler(store, failing.actions, { holder: "b", now: time.now }).tick(), 0);
      assert.deepEqual(failing.calls.sort(), ["backup {}", "restart"]);
      const failed = await store.events({ stackId: id, types: ["ScheduleRunFailed"], limit: 10 });
      assert.equal(failed.length, 2);
      assert.match(String(failed[0]!.data["message"]), /failed/);
    });

    it("a deleted schedule never runs", async () => {
      const store = await backend.open();
      const id = await seeded(store);
      const time = clock("2026-06-10T00:00:00Z");
      const service = new ScheduleService(store, time.now);
      const s = await service.create(id, { cron: "* * * * *", timeZone: "UTC", action: "restart" }, "al");
      await service.remove(id, s.id, "al");
      const r = recording();
      time.set("2026-06-10T00:01:00Z");
      assert.equal(await new Scheduler(store, r.actions, { holder: "a", now: time.now }).tick(), 0);
      assert.deepEqual(await service.list(id), []);
    });

    it("a backup schedule's run goes to its target with its retention", async () => {
      const store = await backend.open();
      const id = await seeded(store);
      await store.backupTargets.create(
        { name: "offsite", createdBy: "root", type: "pvc", claim: "offsite-backups", storage: "5Gi" },
        { stackId: null, source: "user", type: "BackupTargetCreated", actor: "root", data: {} },
      );
      const time = clock("2026-06-10T01:00:00Z");
      const service = new ScheduleService(store, time.now);
      const spec = { cron: "0 2 * * *", timeZone: "UTC", action: "backup" } as const;
      await service.create(id, { ...spec, target: "offsite", retention: { keepLast: 3 } }, "alice");
      await service.create(id, spec, "alice");
      const r = recording();
      time.set("2026-06-10T02:00:01Z");
      assert.equal(await new Scheduler(store, r.actions, { holder: "a", now: time.now }).tick(), 2);
      assert.deepEqual(r.calls, ['backup {"target":"offsite","retention":{"keepLast":3}}', "backup {}"]);
    });
  });
}
