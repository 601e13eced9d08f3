import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Registry } from "prom-client";
import { startControlPlane } from "../src/controlplane/control-plane.ts";
import { EventFeed } from "../src/controlplane/event-feed.ts";
import { builtinTemplateRecords } from "../src/controlplane/guardrails.ts";
import { KubeconfigKeyring } from "../src/controlplane/store/kubeconfig-keyring.ts";
import { openStore, type Store } from "../src/controlplane/store/store.ts";
import { createHttpServer } from "../src/http/server.ts";
import type { KubeAccess } from "../src/kube/kubeconfig.ts";
import { createLogger } from "../src/observability/logger.ts";
import { pool } from "./bench-stacks.ts";

/**
 * A control plane in the benchmark's own process: its HTTP API on 127.0.0.1, PGlite in a scratch
 * folder, its workers against one cluster (`local`). Stacks are created through the API as an
 * admin, so the control plane applies their Stack resources and observes them like a user's.
 */
export interface BenchControlPlane {
  readonly store: Store;
  /** Creates one stack per name through `POST /api/v1/stacks`, `concurrency` at a time; name → id. */
  createStacks(
    namespace: string,
    names: readonly string[],
    params: Record<string, unknown>,
    concurrency?: number,
  ): Promise<Map<string, string>>;
  /**
   * Listens for the next event of `type` about `stackId` (it returns once listening): `arrived`
   * settles with the `performance.now()` at which the store announced its append, or undefined
   * after `timeoutMs`.
   */
  nextEvent(
    stackId: string,
    type: string,
    timeoutMs: number,
  ): Promise<{ readonly arrived: Promise<number | undefined> }>;
  /** How many stacks the store holds an observation of, in phase `phase`. */
  observedIn(phase: string): Promise<number>;
  close(): Promise<void>;
}

export async function benchControlPlane(kubeconfig: KubeAccess): Promise<BenchControlPlane> {
  const scratch = await mkdtemp(join(tmpdir(), "stackwarden-bench-cp-"));
  const store = await openStore({
    dataDir: join(scratch, "db"),
    kubeconfigKeys: KubeconfigKeyring.ephemeral(),
  });
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  const admin = (await store.auth.bootstrapAdmin()) ?? "";
  const feed = new EventFeed({ store });
  const app = createHttpServer({ store, feed, registry: new Registry(), ready: () => true });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  const stop = new AbortController();
  const cp = await startControlPlane(
    { store, kubeconfig, logger: createLogger({ level: "silent" }), registry: new Registry() },
    stop.signal,
  );

  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const answer = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await answer.json()) as Record<string, unknown>;
    if (!answer.ok) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(json)}`);
    return json;
  };

  return {
    store,
    async createStacks(namespace, names, params, concurrency = 32) {
      const ids = new Map<string, string>();
      await pool(names, concurrency, async (name) => {
        const created = await post("/api/v1/stacks", {
          template: "minecraft-java",
          cluster: "local",
          namespace,
          name,
          params,
        });
        const id = String(created["id"]);
        ids.set(name, id);
        cp.notify(id);
      });
      return ids;
    },
    async nextEvent(stackId, type, timeoutMs) {
      const [newest] = await store.events({ stackId, types: [type], limit: 1 });
      const after = newest?.id ?? 0;
      let finish: (at: number | undefined) => void = () => undefined;
      const arrived = new Promise<number | undefined>((resolve) => (finish = resolve));
      // Appends are announced after their commit; a check that is running when another is
      // announced runs once more, so none is missed.
      let running = false;
      let again = false;
      let announced = 0;
      const check = async (): Promise<void> => {
        if (running) return void (again = true);
        running = true;
        do {
          again = false;
          const at = announced;
          const found = await store.events({ stackId, types: [type], after, limit: 1 });
          if (found.length > 0) return settle(at);
        } while (again);
        running = false;
      };
      const off = store.onAppend(() => {
        announced = performance.now();
        void check();
      });
      const timer = setTimeout(() => settle(undefined), timeoutMs);
      function settle(at: number | undefined): void {
        off();
        clearTimeout(timer);
        finish(at);
      }
      return { arrived };
    },
    async observedIn(phase) {
      const rows = await store.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM stack_observed WHERE phase = $1",
        [phase],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async close() {
      stop.abort();
      await cp.done;
      await app.close();
      feed.close();
      await store.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
