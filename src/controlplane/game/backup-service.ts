/**
 * Backups of a game server's world volume: made, restored and deleted by
 * Kubernetes Jobs (resources/backup-job.ts) in the stack's cluster, recorded
 * in the store with their events. Making and restoring run in the background
 * of the request that asked; their progress is the backup's status and the
 * stack's events. The replica doing that work holds a lease on the backup in
 * the store, renewed while it watches the Job; a backup whose lease lapsed
 * (its replica died) is adopted by one other replica's sweep
 * (backup-adoption.ts), which follows the Job left behind to its end.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { toError } from "../../engine/errors.ts";
import type { KubeClient } from "../../kube/client.ts";
import { listPods } from "../../kube/core-reads.ts";
import { ensureClaim } from "../../kube/jobs.ts";
import type { S3Location } from "../../resources/backup-job.ts";
import { selectorLabels } from "../../resources/labels.ts";
import { findTemplate } from "../../templates/registry.ts";
import { ServiceError } from "../stack-service.ts";
import type { BackupClaim, BackupRecord } from "../store/backup-store.ts";
import type { S3TargetSettings } from "../store/backup-target-store.ts";
import { StoreError } from "../store/errors.ts";
import type { StackRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import { adoptBackup } from "./backup-adoption.ts";
import { backupEvent } from "./backup-event.ts";
import { newRun, targetClaimObject, worldClaim, type BackupTiming, type JobWatch } from "./backup-job-run.ts";
import { planBackupMethod, type BackupMethodChoice } from "./backup-method.ts";
import { expiredBackups, type BackupRetention } from "./backup-retention.ts";
import type { GameService } from "./game-service.ts";
import type { PowerService } from "./power-service.ts";
import { runBackupOperation } from "./snapshot-backup.ts";
import { findSnapshotClass } from "./snapshot-class.ts";

/** The claim, in the stack's namespace, archives go to unless another target is named. */
export const defaultTargetClaim = (stack: string): string => `${stack}-backups`;
/** The size the default target claim asks for when the control plane makes it. */
export const defaultTargetSize = "10Gi";
export { worldClaim, type BackupTiming };

/** What `POST …/backups` may ask. */
export interface BackupOptions {
  /** Once made, delete the older backups no rule keeps. */
  readonly retention?: BackupRetention;
  /** An admin's named target; absent: the stack's own claim `<stack>-backups`. */
  readonly target?: string;
  /** Archive, VolumeSnapshot, or (absent) a snapshot when one can be taken (backup-method.ts). */
  readonly method?: BackupMethodChoice;
}

/** How a backup service runs: its timing, clock, and the name its leases are held under. */
export interface BackupServiceOptions {
  readonly timing?: Partial<BackupTiming>;
  readonly now?: () => Date;
  /** Unique per replica; default: host name, process id and a random suffix. */
  readonly holder?: string;
}

/** The lease on a backup went to another replica (this one stalled past it): its work is no longer ours. */
class LeaseLost extends Error {}

/** What `POST …/backups/{id}/restore` may ask. */
export interface RestoreOptions {
  /** For a running server: stop it, restore, start it again, as one operation. */
  readonly stopFirst?: boolean;
}

/** Backup operations for the stacks of one store. */
export class BackupService {
  readonly #store: Store;
  readonly #game: GameService;
  readonly #power: PowerService;
  readonly #timing: BackupTiming;
  readonly #now: () => Date;
  readonly #holder: string;
  readonly #work = new Set<Promise<void>>();
  readonly #halted = new AbortController();
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;

  constructor(store: Store, game: GameService, power: PowerService, options: BackupServiceOptions = {}) {
    this.#store = store;
    this.#game = game;
    this.#power = power;
    this.#timing = {
      jobTimeoutMs: 3_600_000,
      pollMs: 500,
      leaseMs: 60_000,
      sweepMs: 30_000,
      ...options.timing,
    };
    this.#now = options.now ?? ((): Date => new Date());
    this.#holder = options.holder ?? `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
  }

  /** The stack's backups, newest first. NotFound, Invalid (not a game server). */
  async list(stackId: string): Promise<BackupRecord[]> {
    await this.#stack(stackId);
    return this.#store.backups.list(stackId);
  }

  /**
   * Starts a backup and answers it Running; it becomes Completed (with its
   * size) or Failed, with BackupCompleted or BackupFailed. For a server with a
   * console that replies (minecraft-java), `save-off` and `save-all flush` run
   * first and `save-on` after. Once completed, `retention` deletes the
   * backups it lets go. Conflict while another backup or restore runs.
   */
  async create(stackId: string, actor: string, options: BackupOptions = {}): Promise<BackupRecord> {
    const stack = await this.#stack(stackId);
    const target =
      options.target === undefined ? undefined : await this.#store.backupTargets.get(options.target);
    if (options.target !== undefined && !target) {
      throw new ServiceError("Invalid", `no backup target named ${options.target}`, {
        problems: [{ path: "/target", message: `no backup target named ${JSON.stringify(options.target)}` }],
      });
    }
    const plan = await planBackupMethod(options.method ?? "auto", target !== undefined, async () =>
      findSnapshotClass(
        await this.#game.clusters.clientFor(stack.cluster),
        stack.namespace,
        worldClaim(stack.name),
      ),
    ).catch(unavailable("the cluster could not be asked for a snapshot class"));
    const stamp = this.#now().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    const name = `${stack.name}-${stamp}-${randomBytes(3).toString("hex")}`;
    // A VolumeSnapshot's name is a DNS subdomain: lowercase.
    const archive = plan.method === "snapshot" ? name.toLowerCase() : `${name}.tar.gz`;
    // An S3 target needs no claim; a claim target (the default one too) is made when missing.
    const where =
      plan.method === "snapshot"
        ? {
            targetClaim: "",
            snapshot: {
              name: archive,
              className: plan.className,
              storageClass: plan.storageClass,
              sourceClaim: worldClaim(stack.name),
            },
          }
        : target?.type === "s3"
          ? { targetClaim: "", s3: s3Location(target.s3, stack.name, archive) }
          : { targetClaim: target?.claim ?? defaultTargetClaim(stack.name) };
    const skipped = plan.method === "archive" && plan.snapshotSkipped !== undefined;
    const snapshotSkipped = skipped ? { snapshotSkipped: plan.snapshotSkipped } : {};
    const storage = target?.type === "pvc" ? target.storage : defaultTargetSize;
    const run = newRun();
    const backup = await this.#refusingBusy(() =>
      this.#store.backups.begin(
        { stackId, archive, createdBy: actor, ...where, ...snapshotSkipped },
        this.#claim(run),
        (b) => ({
          stackId,
          source: "user",
          type: "BackupStarted",
          actor,
          data: {
            backupId: b.id,
            archive: b.archive,
            target: options.target ?? b.targetClaim,
            ...(b.s3 ? { bucket: b.s3.bucket, key: b.s3.key } : {}),
            method: b.method,
            ...(b.snapshot ? { snapshotClass: b.snapshot.className } : {}),
            ...(b.snapshotSkipped !== null ? { snapshotSkipped: b.snapshotSkipped } : {}),
          },
        }),
      ),
    );
    this.#background(this.#make(stack, backup, run, actor, options.retention ?? {}, storage));
    return backup;
  }

  /** Deletes a backup's archive (a Job) and then the backup. NotFound; Conflict while it is in use. */
  async remove(stackId: string, backupId: string, actor: string): Promise<void> {
    const stack = await this.#stack(stackId);
    const backup = await this.#backup(stackId, backupId);
    if (backup.status === "Running" || backup.status === "Restoring")
      throw new ServiceError("Conflict", `backup ${backupId} is in use (${backup.status})`);
    await this.#deleteArchive(stack, backup, actor);
  }

  /**
   * Starts writing a backup back into the world volume; answers the backup
   * Restoring. A running server is a Conflict unless `stopFirst`: then it is
   * stopped, restored and started as one operation, each step an event
   * (RestoreStarted, StackStopped, BackupRestored or RestoreFailed, StackStarted).
   */
  async restore(
    stackId: string,
    backupId: string,
    actor: string,
    options: RestoreOptions = {},
  ): Promise<BackupRecord> {
    const stack = await this.#stack(stackId);
    const backup = await this.#backup(stackId, backupId);
    if (backup.status !== "Completed")
      throw new ServiceError("Conflict", `backup ${backupId} is ${backup.status}, not Completed`);
    const running = stack.power === "Running";
    if (running && options.stopFirst !== true) {
      throw new ServiceError(
        "Conflict",
        "the server is running: stop it first, or ask for stop → restore → start with stopFirst: true",
      );
    }
    const run = newRun();
    const restoring = await this.#refusingBusy(() =>
      this.#store.backups.beginRestore(stackId, backupId, this.#claim(run), {
        stackId,
        source: "user",
        type: "RestoreStarted",
        actor,
        data: { backupId, stopFirst: running },
      }),
    );
    this.#background(this.#restore(stack, restoring, run, actor, running));
    return restoring;
  }

  /** Waits for the background work started so far (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.all(this.#work);
  }

  /**
   * Adopts, once, every backup Running or Restoring whose replica's lease
   * lapsed (the replica died or stalled), and follows each in the
   * background (backup-adoption.ts). Returns how many it adopted here.
   */
  async sweep(): Promise<number> {
    if (this.#halted.signal.aborted) return 0;
    const adopted = await this.#store.backups.adoptLapsed(this.#holder, this.#timing.leaseMs);
    for (const a of adopted) {
      this.#background(
        adoptBackup(
          {
            store: this.#store,
            game: this.#game,
            power: this.#power,
            timing: this.#timing,
            holder: this.#holder,
            watch: (id) => this.#watch(id),
            abandoned: (e) => this.#abandoned(e),
          },
          a,
        ),
      );
    }
    return adopted.length;
  }

  /** Sweeps now and then every `timing.sweepMs` until {@link stop}; sweeps never overlap. */
  start(): void {
    const tick = (): void => {
      this.#sweeping ??= this.sweep()
        .catch(() => 0)
        .finally(() => (this.#sweeping = undefined));
    };
    if (this.#sweepTimer !== undefined) return;
    this.#sweepTimer = setInterval(tick, this.#timing.sweepMs);
    tick();
  }

  /** Stops sweeping; the work in progress goes on ({@link settled} waits for it). */
  async stop(): Promise<void> {
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    await this.#sweeping;
  }

  /**
   * Drops all work where it stands, writing nothing more to the store or
   * the cluster, as a replica that dies does: its Jobs run on, its leases
   * lapse, and another replica adopts the backups. For tests of adoption.
   */
  async halt(): Promise<void> {
    this.#halted.abort(new Error("the backup service was halted"));
    await this.stop();
    await this.settled();
  }

  async #make(
    stack: StackRecord,
    backup: BackupRecord,
    run: string,
    actor: string,
    retention: BackupRetention,
    storage: string,
  ): Promise<void> {
    try {
      const client = await this.#game.clusters.clientFor(stack.cluster);
      if (!backup.s3 && !backup.snapshot)
        await ensureClaim(client, targetClaimObject(stack, backup.targetClaim, storage));
      const pod = await this.#game.runningPod(stack);
      const quiesce = pod !== undefined && findTemplate(stack.template)?.game?.console?.replies === true;
      if (quiesce) {
        await this.#game.console(stack.id, { command: "save-off" }, actor);
        await this.#game.console(stack.id, { command: "save-all flush" }, actor);
      }
      let size: number | undefined;
      try {
        const job = { stack, backup, operation: "backup" as const, run, besideServer: pod !== undefined };
        size = await runBackupOperation(client, job, this.#timing, this.#watch(backup.id));
      } finally {
        // Left to whoever adopts the backup when this replica gave it up.
        if (quiesce && !this.#halted.signal.aborted)
          await this.#game.console(stack.id, { command: "save-on" }, actor);
      }
      const finished = await this.#store.backups.finish(backup.id, this.#holder, {
        status: "Completed",
        ...(size !== undefined ? { sizeBytes: size } : {}),
        events: [
          backupEvent(stack, actor, "BackupCompleted", { backupId: backup.id, sizeBytes: size ?? null }),
        ],
      });
      if (finished) await this.#prune(stack, actor, retention);
    } catch (e: unknown) {
      if (this.#abandoned(e)) return;
      const message = describe(e);
      await this.#store.backups.finish(backup.id, this.#holder, {
        status: "Failed",
        message,
        events: [backupEvent(stack, actor, "BackupFailed", { backupId: backup.id, message })],
      });
    }
  }

  async #restore(
    stack: StackRecord,
    backup: BackupRecord,
    run: string,
    actor: string,
    stopFirst: boolean,
  ): Promise<void> {
    let step = "stop";
    const watch = this.#watch(backup.id);
    try {
      const client = await this.#game.clusters.clientFor(stack.cluster);
      if (stopFirst) {
        await this.#power.run(stack.id, "stop", actor);
        await this.#untilStopped(client, stack, watch);
      }
      step = "restore";
      const job = { stack, backup, operation: "restore" as const, run, besideServer: false };
      await runBackupOperation(client, job, this.#timing, watch);
      await this.#store.backups.finish(backup.id, this.#holder, {
        status: "Completed",
        events: [backupEvent(stack, actor, "BackupRestored", { backupId: backup.id })],
      });
    } catch (e: unknown) {
      // Whoever adopts the restore decides about the server; never start a half-restored world.
      if (this.#abandoned(e)) return;
      await this.#store.backups.finish(backup.id, this.#holder, {
        status: "Completed",
        events: [
          backupEvent(stack, actor, "RestoreFailed", { backupId: backup.id, step, message: describe(e) }),
        ],
      });
    }
    if (stopFirst) await this.#power.run(stack.id, "start", actor).catch(() => undefined);
  }

  /** The lease a new backup or restore of `run` is begun under. */
  #claim(run: string): BackupClaim {
    return { run, worker: this.#holder, leaseMs: this.#timing.leaseMs };
  }

  /** How work on backup `id` watches its Job: stopped by {@link halt}, renewing the lease at each look. */
  #watch(id: string): JobWatch {
    return {
      signal: this.#halted.signal,
      onPoll: async () => {
        if (!(await this.#store.backups.renew(id, this.#holder, this.#timing.leaseMs)))
          throw new LeaseLost(`another replica adopted backup ${id}`);
      },
    };
  }

  /** The work stopped because this replica gave it up (halted, or its lease went to another). */
  #abandoned(e: unknown): boolean {
    return e instanceof LeaseLost || this.#halted.signal.aborted;
  }

  async #untilStopped(client: KubeClient, stack: StackRecord, watch: JobWatch): Promise<void> {
    const game = findTemplate(stack.template)?.game;
    const labels = selectorLabels({ stack: stack.name, component: game?.component ?? "server" });
    const deadline = Date.now() + this.#timing.jobTimeoutMs;
    while (Date.now() < deadline) {
      await watch.onPoll?.();
      const pods = await listPods(client, stack.namespace, labels);
      const now = await this.#store.stacks.get(stack.id);
      const applied = now !== undefined && now.lastAppliedGeneration >= (now.powerGeneration ?? 0);
      if (pods.length === 0 && applied) return;
      await delay(this.#timing.pollMs, undefined, watch.signal ? { signal: watch.signal } : {});
    }
    throw new Error("the server's pods did not go away");
  }

  async #prune(stack: StackRecord, actor: string, retention: BackupRetention): Promise<void> {
    const expired = expiredBackups(await this.#store.backups.list(stack.id), retention, this.#now());
    for (const id of expired) {
      const backup = await this.#store.backups.get(stack.id, id);
      if (backup) await this.#deleteArchive(stack, backup, actor, "retention");
    }
  }

  async #deleteArchive(
    stack: StackRecord,
    backup: BackupRecord,
    actor: string,
    reason = "asked",
  ): Promise<void> {
    const client = await this.#game.clusters.clientFor(stack.cluster);
    const job = { stack, backup, operation: "delete" as const, run: newRun(), besideServer: false };
    await runBackupOperation(client, job, this.#timing).catch((e: unknown) => {
      throw new ServiceError("Unavailable", `the archive could not be deleted: ${describe(e)}`, { cause: e });
    });
    await this.#store.backups.remove(
      backup.id,
      backupEvent(stack, actor, "BackupDeleted", { backupId: backup.id, archive: backup.archive, reason }),
    );
  }

  async #stack(stackId: string): Promise<StackRecord> {
    const stack = await this.#store.stacks.get(stackId);
    if (!stack) throw new ServiceError("NotFound", `no stack with id ${stackId}`);
    if (!findTemplate(stack.template)?.game)
      throw new ServiceError("Invalid", `the ${stack.template} template is not a game server`);
    return stack;
  }

  async #backup(stackId: string, backupId: string): Promise<BackupRecord> {
    const backup = await this.#store.backups.get(stackId, backupId);
    if (!backup) throw new ServiceError("NotFound", `stack ${stackId} has no backup ${backupId}`);
    return backup;
  }

  async #refusingBusy<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e: unknown) {
      if (e instanceof StoreError && e.code === "Conflict") throw new ServiceError("Conflict", e.message);
      throw e;
    }
  }

  #background(work: Promise<void>): void {
    const tracked = work.catch(() => undefined);
    this.#work.add(tracked);
    void tracked.finally(() => this.#work.delete(tracked));
  }
}

/** Where an archive of `stack` goes in the bucket of `target`: `<prefix><stack>/<archive>`. Pure. */
export function s3Location(target: S3TargetSettings, stack: string, archive: string): S3Location {
  const { prefix, ...rest } = target;
  return { ...rest, key: `${prefix}${stack}/${archive}` };
}

/** Rethrows a ServiceError as it is, anything else as Unavailable saying `what`. */
function unavailable(what: string): (e: unknown) => never {
  return (e: unknown) => {
    if (e instanceof ServiceError) throw e;
    throw new ServiceError("Unavailable", `${what}: ${describe(e)}`, { cause: e });
  };
}

function describe(e: unknown): string {
  return toError(e).message;
}
