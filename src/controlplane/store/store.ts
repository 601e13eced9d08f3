import { AgentStore } from "./agent-store.ts";
import { AuthStore } from "./auth-store.ts";
import { BackupStore } from "./backup-store.ts";
import { BackupTargetStore } from "./backup-target-store.ts";
import { CatalogStore } from "./catalog-store.ts";
import { openDatabase, type Database, type DatabaseOptions } from "./database.ts";
import { appendEvents, lastEventId, queryEvents, type EventQuery } from "./event-store.ts";
import { KubeconfigKeyring } from "./kubeconfig-keyring.ts";
import { migrate } from "./migrations.ts";
import { ObservedStore, WorkStore, type ResourceChanges, type SeenResource } from "./observed-store.ts";
import type { NewEvent, ObservedRecord, StackEvent, StatusSummary } from "./records.ts";
import { ScheduleStore } from "./schedule-store.ts";
import { StackStore } from "./stack-store.ts";

/**
 * The control plane's system of record: desired state, the template catalog,
 * clusters, users and tokens, the observed cache, and the append-only event
 * history. The only code that talks to Postgres.
 */
export class Store {
  readonly db: Database;
  readonly stacks: StackStore;
  readonly catalog: CatalogStore;
  readonly observed: ObservedStore;
  readonly work: WorkStore;
  readonly auth: AuthStore;
  readonly backups: BackupStore;
  readonly backupTargets: BackupTargetStore;
  readonly schedules: ScheduleStore;
  readonly agents: AgentStore;
  readonly #appendListeners = new Set<() => void>();
  readonly #appended = (): void => {
    for (const listener of this.#appendListeners) listener();
  };

  /** `keyring` seals the kubeconfigs of added clusters at rest. */
  constructor(db: Database, keyring: KubeconfigKeyring) {
    this.db = db;
    this.stacks = new StackStore(db, this.#appended);
    this.catalog = new CatalogStore(db, keyring);
    this.observed = new ObservedStore(db);
    this.work = new WorkStore(db);
    this.auth = new AuthStore(db);
    this.backups = new BackupStore(db, this.#appended);
    this.backupTargets = new BackupTargetStore(db, this.#appended);
    this.schedules = new ScheduleStore(db, this.#appended);
    this.agents = new AgentStore(db);
  }

  /**
   * Writes one observer pass of a stack in ONE transaction: its objects by
   * UID, the observed cache and the summary when given, and the events of the
   * pass, which `events` derives from what the rows changed. Either all of it
   * is committed or none is: a failure anywhere (the rows, an event) leaves
   * the rows as they were, so the next pass finds the same changes again and
   * records their events then, once.
   */
  async recordObservation(o: Observation): Promise<StackEvent[]> {
    const appended = await this.db.transaction(async (tx) => {
      const changes = await this.observed.syncResources(o.stackId, o.seen, tx);
      if (o.observed) await this.observed.saveObserved(o.observed, tx);
      if (o.summary) await this.stacks.setSummary(o.stackId, o.summary, tx);
      return appendEvents(tx, o.events(changes));
    });
    if (appended.length > 0) this.#appended();
    return appended;
  }

  /** Reads the event history (see {@link EventQuery}). */
  events(q: EventQuery): Promise<StackEvent[]> {
    return queryEvents(this.db, q);
  }

  /** The id of the newest event (0 when there is none). */
  lastEventId(): Promise<number> {
    return lastEventId(this.db);
  }

  /**
   * Calls `listener` after every commit of this process that appended stack
   * events (desired changes, observations, reconcile outcomes), so the event
   * feed delivers them at once instead of at its next poll. Returns the
   * unsubscribe function. Other processes' events arrive by the feed's poll.
   */
  onAppend(listener: () => void): () => void {
    this.#appendListeners.add(listener);
    return () => void this.#appendListeners.delete(listener);
  }

  /** Tells {@link Store.onAppend}'s listeners that events were appended outside the stack store. */
  appended(): void {
    this.#appended();
  }

  /** True when the database answers. */
  async ping(): Promise<boolean> {
    try {
      await this.db.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** One observer pass of a stack, for {@link Store.recordObservation}. */
export interface Observation {
  readonly stackId: string;
  /** Every object of the stack that exists now. */
  readonly seen: readonly SeenResource[];
  /** The new observed cache, when it changed. */
  readonly observed?: Omit<ObservedRecord, "observedAt">;
  readonly summary?: StatusSummary;
  /** The pass's events, given what syncing the objects changed (pure: it may run once per attempt). */
  readonly events: (changes: ResourceChanges) => NewEvent[];
}

/** Where the store lives, and the keys that seal kubeconfigs in it. */
export interface StoreOptions extends DatabaseOptions {
  /**
   * Seals kubeconfigs at rest. Without it, a random key that dies with the
   * process: fine for tests and throwaway stores, never for a store that
   * outlives the process (the servers always pass one; see docs/control-plane.md).
   */
  readonly kubeconfigKeys?: KubeconfigKeyring;
}

/**
 * Opens and migrates the store: PostgreSQL when `url` is given, else PGlite
 * in `dataDir`. Every stored kubeconfig not sealed with the keyring's first
 * key is then re-sealed with it (completing a key rotation).
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const db = await openDatabase(options);
  try {
    await migrate(db);
  } catch (e: unknown) {
    await db.close().catch(() => undefined);
    throw e;
  }
  const store = new Store(db, options.kubeconfigKeys ?? KubeconfigKeyring.ephemeral());
  await store.catalog.resealKubeconfigs();
  return store;
}
