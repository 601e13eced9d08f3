/**
 * Backups of a game server's world volume: made, restored and deleted by
 * Kubernetes Jobs (resources/backup-job.ts) in the stack's cluster, recorded
 * in the store with their events. Making and restoring run in the background
 * of the request that asked; their progress is the backup's status and the
 * stack's events.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { KubeClient } from "../../kube/client.ts";
import { listPods } from "../../kube/core-reads.ts";
import { ensureClaim } from "../../kube/jobs.ts";
import type { BackupOperation, S3Location } from "../../resources/backup-job.ts";
import { selectorLabels } from "../../resources/labels.ts";
import { findTemplate } from "../../templates/registry.ts";
import { ServiceError } from "../stack-service.ts";
import type { BackupRecord } from "../store/backup-store.ts";
import type { S3TargetSettings } from "../store/backup-target-store.ts";
import { StoreError } from "../store/errors.ts";
import type { EventType, NewEvent, StackRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import { runBackupJob, targetClaimObject, worldClaim, type BackupTiming } from "./backup-job-run.ts";
import { planBackupMethod, type BackupMethodChoice } from "./backup-method.ts";
import { expiredBackups, type BackupRetention } from "./backup-retention.ts";
import type { GameService } from "./game-service.ts";
import type { PowerService } from "./power-service.ts";
import { runSnapshotOperation } from "./snapshot-backup.ts";
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
  readonly #work = new Set<Promise<void>>();

  constructor(
    store: Store,
    game: GameService,
    power: PowerService,
    timing: Partial<BackupTiming> = {},
    now: () => Date = () => new Date(),
  ) {
    this.#store = store;
    this.#game = game;
    this.#power = power;
    this.#timing = { jobTimeoutMs: 3_600_000, pollMs: 500, ...timing };
    this.#now = now;
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
    const backup = await this.#refusingBusy(() =>
      this.#store.backups.begin(
        { stackId, archive, createdBy: actor, ...where, ...snapshotSkipped },
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
    this.#background(this.#make(stack, backup, actor, options.retention ?? {}, storage));
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
    const restoring = await this.#refusingBusy(() =>
      this.#store.backups.beginRestore(stackId, backupId, {
        stackId,
        source: "user",
        type: "RestoreStarted",
        actor,
        data: { backupId, stopFirst: running },
      }),
    );
    this.#background(this.#restore(stack, restoring, actor, running));
    return restoring;
  }

  /** Waits for the background work started so far (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.all(this.#work);
  }

  async #make(
    stack: StackRecord,
    backup: BackupRecord,
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
        size = await this.#runJob(client, stack, backup, "backup", pod !== undefined);
      } finally {
        if (quiesce) await this.#game.console(stack.id, { command: "save-on" }, actor);
      }
      await this.#store.backups.finish(backup.id, {
        status: "Completed",
        ...(size !== undefined ? { sizeBytes: size } : {}),
        events: [event(stack, actor, "BackupCompleted", { backupId: backup.id, sizeBytes: size ?? null })],
      });
      await this.#prune(stack, actor, retention);
    } catch (e: unknown) {
      const message = describe(e);
      await this.#store.backups.finish(backup.id, {
        status: "Failed",
        message,
        events: [event(stack, actor, "BackupFailed", { backupId: backup.id, message })],
      });
    }
  }

  async #restore(stack: StackRecord, backup: BackupRecord, actor: string, stopFirst: boolean): Promise<void> {
    let step = "stop";
    try {
      const client = await this.#game.clusters.clientFor(stack.cluster);
      if (stopFirst) {
        await this.#power.run(stack.id, "stop", actor);
        await this.#untilStopped(client, stack);
      }
      step = "restore";
      await this.#runJob(client, stack, backup, "restore", false);
      await this.#store.backups.finish(backup.id, {
        status: "Completed",
        events: [event(stack, actor, "BackupRestored", { backupId: backup.id })],
      });
    } catch (e: unknown) {
      await this.#store.backups.finish(backup.id, {
        status: "Completed",
        events: [event(stack, actor, "RestoreFailed", { backupId: backup.id, step, message: describe(e) })],
      });
    }
    if (stopFirst) await this.#power.run(stack.id, "start", actor).catch(() => undefined);
  }

  /** Runs one Job (or, for a snapshot backup, its VolumeSnapshot operation) to its end; the size, or throws why it failed. */
  #runJob(
    client: KubeClient,
    stack: StackRecord,
    backup: BackupRecord,
    operation: BackupOperation,
    besideServer: boolean,
  ): Promise<number | undefined> {
    const run = { stack, backup, operation, besideServer };
    return backup.snapshot
      ? runSnapshotOperation(client, run, this.#timing)
      : runBackupJob(client, run, this.#timing);
  }

  async #untilStopped(client: KubeClient, stack: StackRecord): Promise<void> {
    const game = findTemplate(stack.template)?.game;
    const labels = selectorLabels({ stack: stack.name, component: game?.component ?? "server" });
    const deadline = Date.now() + this.#timing.jobTimeoutMs;
    while (Date.now() < deadline) {
      const pods = await listPods(client, stack.namespace, labels);
      const now = await this.#store.stacks.get(stack.id);
      const applied = now !== undefined && now.lastAppliedGeneration >= (now.powerGeneration ?? 0);
      if (pods.length === 0 && applied) return;
      await delay(this.#timing.pollMs);
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
    await this.#runJob(client, stack, backup, "delete", false).catch((e: unknown) => {
      throw new ServiceError("Unavailable", `the archive could not be deleted: ${describe(e)}`, { cause: e });
    });
    await this.#store.backups.remove(
      backup.id,
      event(stack, actor, "BackupDeleted", { backupId: backup.id, archive: backup.archive, reason }),
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

function event(stack: StackRecord, actor: string, type: EventType, data: Record<string, unknown>): NewEvent {
  return { stackId: stack.id, source: "user" as const, type, actor, data };
}

/** Rethrows a ServiceError as it is, anything else as Unavailable saying `what`. */
function unavailable(what: string): (e: unknown) => never {
  return (e: unknown) => {
    if (e instanceof ServiceError) throw e;
    throw new ServiceError("Unavailable", `${what}: ${describe(e)}`, { cause: e });
  };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
