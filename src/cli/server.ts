import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Registry, collectDefaultMetrics } from "prom-client";
import type { FastifyInstance } from "fastify";
import { loadKubeAccess, type KubeAccess } from "../kube/kubeconfig.ts";
import { KubeconfigKeyring } from "../controlplane/store/kubeconfig-keyring.ts";
import { openStore, type Store } from "../controlplane/store/store.ts";
import { builtinTemplateRecords } from "../controlplane/guardrails.ts";
import { startControlPlane } from "../controlplane/control-plane.ts";
import { EventFeed } from "../controlplane/event-feed.ts";
import { createHttpServer } from "../http/server.ts";
import { ClusterClients } from "../controlplane/game/cluster-clients.ts";
import { GameService } from "../controlplane/game/game-service.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { packageRoot } from "../sandbox/paths.ts";
import { parseBindAddress } from "./operator.ts";
import type { ServerFlags } from "./program.ts";
import { ensureWebUi } from "./web-build.ts";

/** How the control plane runs; the flags of `stackwarden server`. */
export interface ServerOptions {
  /** `host:port` serving the API, the UI, /metrics, /healthz and /readyz. */
  readonly listen: string;
  /** A PostgreSQL URL; without one, PGlite in `<dataDir>/db`. */
  readonly databaseUrl?: string | undefined;
  /** Where PGlite and `admin-token` live. */
  readonly dataDir: string;
  /** The cluster stacks deploy to by default, registered as {@link ServerOptions.clusterName}. */
  readonly kubeconfig: KubeAccess;
  readonly clusterName: string;
  readonly logger: Logger;
  /**
   * The registry to add the control plane's metrics to and serve on /metrics:
   * the operator's, in `up` (one registry, since both register the
   * controller-runtime metric names, told apart by their `controller` label).
   * Without it, a new one with the process metrics.
   */
  readonly registry?: Registry;
  /**
   * The first admin's token, chosen by the deployer (`STACKWARDEN_ADMIN_TOKEN`,
   * e.g. from a Secret). Without it, an empty store gets a random token that is
   * printed once and written to `<dataDir>/admin-token`.
   */
  readonly bootstrapToken?: string | undefined;
  /**
   * The keyring that seals stored kubeconfigs (`id:base64key`, comma- or
   * newline-separated, the sealing key first): `STACKWARDEN_KUBECONFIG_KEYS`,
   * or the file `STACKWARDEN_KUBECONFIG_KEYS_FILE` names (a mounted Secret).
   * Without it, `<dataDir>/kubeconfig-keys`, created with one random key on
   * first start (mode 0600).
   */
  readonly kubeconfigKeys?: string | undefined;
  /** Extra readiness (the operator's caches, in `up`). */
  readonly alsoReady?: () => boolean;
}

/** A running control plane. */
export interface RunningServer {
  readonly url: string;
  readonly store: Store;
  readonly http: FastifyInstance;
  /** The first admin's token when this start created it (shown once), else undefined. */
  readonly adminToken: string | undefined;
  /** Where the first admin's token was written, when it was. */
  readonly adminTokenFile: string | undefined;
  /** Settles once `signal` has stopped everything. */
  readonly done: Promise<void>;
}

/** The web UI's built files, built first when missing or stale (see {@link ensureWebUi}). */
function uiDir(logger: Logger): string | undefined {
  const ui = ensureWebUi({ root: packageRoot }, (line) => logger.info(line));
  if (ui.problem !== undefined) {
    // With no UI at all, say it loudly; an older build still serves, so then it is only news.
    logger[ui.dir === undefined ? "warn" : "info"]({ state: ui.state }, ui.problem);
  }
  return ui.dir;
}

/**
 * Starts the control plane: the store (migrated, built-in templates synced,
 * the first admin created on an empty store), the DB → cluster reconciler and
 * observers, the event feed and the HTTP server. Stops them all on `signal`.
 */
export async function startServer(options: ServerOptions, signal: AbortSignal): Promise<RunningServer> {
  const bind = parseBindAddress(options.listen);
  if (!bind) throw new Error("--listen must be host:port");
  const ui = uiDir(options.logger);
  const store = await openStore({
    ...(options.databaseUrl ? { url: options.databaseUrl } : { dataDir: join(options.dataDir, "db") }),
    kubeconfigKeys: KubeconfigKeyring.parse(options.kubeconfigKeys ?? localKeyring(options)),
  });
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  const given = options.bootstrapToken;
  const created = await store.auth.bootstrapAdmin(given);
  // A token the deployer gave is theirs already: neither printed nor written.
  const adminToken = given === undefined ? created : undefined;
  let adminTokenFile: string | undefined;
  if (adminToken) {
    mkdirSync(options.dataDir, { recursive: true });
    adminTokenFile = join(options.dataDir, "admin-token");
    writeFileSync(adminTokenFile, `${adminToken}\n`, { mode: 0o600 });
  }
  let registry = options.registry;
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  }
  const stopWorkers = new AbortController();
  const controlPlane = await startControlPlane(
    {
      store,
      kubeconfig: options.kubeconfig,
      localCluster: options.clusterName,
      holder: `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`,
      logger: options.logger.child({ component: "control-plane" }),
      registry,
    },
    stopWorkers.signal,
  );
  const feed = new EventFeed({ store });
  const clusters = new ClusterClients(store, options.clusterName, options.kubeconfig);
  const holder = `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const http = createHttpServer({
    store,
    feed,
    game: new GameService(store, clusters),
    scheduler: { holder },
    registry,
    ready: () => controlPlane.ready() && (options.alsoReady?.() ?? true),
    notify: (id) => controlPlane.notify(id),
    observerHealth: (cluster) => controlPlane.observerHealth(cluster),
    logger: options.logger.child({ component: "http" }),
    ...(ui ? { uiDir: ui } : {}),
  });
  let address: string;
  try {
    address = await http.listen({ host: bind.host, port: bind.port });
  } catch (e: unknown) {
    // E.g. the address is taken: stop what started, so the process can end.
    feed.close();
    stopWorkers.abort();
    await controlPlane.done;
    await store.close();
    throw new Error(`cannot listen on ${options.listen}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const done = (async () => {
    if (!signal.aborted) await once(signal, "abort");
    await http.close();
    clusters.close();
    feed.close();
    stopWorkers.abort();
    await controlPlane.done;
    await store.close();
  })();
  return { url: address, store, http, adminToken, adminTokenFile, done };
}

/**
 * The keyring in `<dataDir>/kubeconfig-keys`, made with one random key when
 * there is none. Only for a PGlite store: a PostgreSQL store is shared by
 * replicas that must share its keyring, so it needs one given.
 */
function localKeyring(options: ServerOptions): string {
  if (options.databaseUrl) {
    throw new Error(
      "a PostgreSQL store needs the keyring that seals kubeconfigs, shared by every replica: set STACKWARDEN_KUBECONFIG_KEYS or STACKWARDEN_KUBECONFIG_KEYS_FILE (see docs/control-plane.md)",
    );
  }
  const { dataDir } = options;
  const file = join(dataDir, "kubeconfig-keys");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${KubeconfigKeyring.generateEntry("local-1")}\n`, { mode: 0o600, flag: "wx" });
  }
  return readFileSync(file, "utf8");
}

/** Prints the first admin's token (once: only the start that created it has it). */
export function announceAdminToken(server: RunningServer, log: (line: string) => void): void {
  if (!server.adminToken) return;
  log("");
  log("  First admin token (shown once; keep it safe):");
  log(`    ${server.adminToken}`);
  if (server.adminTokenFile) log(`  It is also in ${server.adminTokenFile} (mode 0600), for scripts.`);
}

/** `stackwarden server [flags]`: the API, the UI and the control plane's workers, until SIGINT/SIGTERM. */
export async function runServer(flags: ServerFlags): Promise<number> {
  const kubeconfig = await loadKubeAccess(flags.kubeconfig);
  const logger = createLogger({ level: flags.logLevel, name: "server" });
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const server = await startServer(
    {
      listen: flags.listen,
      databaseUrl: flags.databaseUrl,
      dataDir: resolve(flags.dataDir),
      kubeconfig,
      clusterName: flags.clusterName,
      bootstrapToken: process.env.STACKWARDEN_ADMIN_TOKEN || undefined,
      kubeconfigKeys:
        process.env.STACKWARDEN_KUBECONFIG_KEYS ||
        (process.env.STACKWARDEN_KUBECONFIG_KEYS_FILE
          ? readFileSync(process.env.STACKWARDEN_KUBECONFIG_KEYS_FILE, "utf8")
          : undefined),
      logger,
    },
    stop.signal,
  );
  logger.info({ url: server.url, store: server.store.db.kind }, "stackwarden server is up");
  announceAdminToken(server, (line) => void process.stderr.write(`${line}\n`));
  await server.done;
  return 0;
}
