/** The backup calls the backup tests make through the API, as one operator would. */
import assert from "node:assert/strict";
import type { ClusterClients } from "../controlplane/game/cluster-clients.ts";
import { GameService } from "../controlplane/game/game-service.ts";
import type { BackupRecord } from "../controlplane/store/backup-store.ts";
import type { Store } from "../controlplane/store/store.ts";
import { eventually } from "../testing/eventually.ts";
import { startTestApi, stackBody, type TestApi } from "./test-api.ts";

/**
 * An API with game services on `clusters` (Jobs waited on every 100 ms, for up to 2 min) and the
 * minecraft-java stack `mc` created in `namespace` through it; no operator runs.
 */
export async function startBackupApi(
  store: Store,
  clusters: ClusterClients,
  namespace: string,
): Promise<{ api: TestApi; id: string }> {
  const api = await startTestApi(store, {
    game: new GameService(store, clusters),
    backupTiming: { pollMs: 100, jobTimeoutMs: 120_000 },
  });
  const created = await api.call("POST", "/api/v1/stacks", {
    as: "operator",
    body: stackBody("mc", { namespace, params: { eula: true } }),
  });
  assert.equal(created.statusCode, 201, created.body);
  return { api, id: created.json<{ id: string }>().id };
}

/** Listing, waiting on and making backups of one stack. */
export interface BackupCalls {
  /** `GET …/backups` as an operator, asserted 200. */
  readonly list: () => Promise<BackupRecord[]>;
  /** Waits (up to 2 min) until the backup has `status`; its failure throws with its message. */
  readonly settled: (backupId: string, status: BackupRecord["status"]) => Promise<BackupRecord>;
  /** `POST …/backups` with `body`, asserted 202 Running, then waited until Completed. */
  readonly backupNow: (body?: unknown) => Promise<BackupRecord>;
}

/** The calls for the stack `stackId`. */
export function backupCalls(api: TestApi, stackId: string): BackupCalls {
  const url = `/api/v1/stacks/${stackId}/backups`;
  const list = async (): Promise<BackupRecord[]> => {
    const r = await api.call("GET", url, { as: "operator" });
    assert.equal(r.statusCode, 200, r.body);
    return r.json<{ items: BackupRecord[] }>().items;
  };
  const settled = (backupId: string, status: BackupRecord["status"]): Promise<BackupRecord> =>
    eventually(
      `backup ${backupId} to be ${status}`,
      async () => {
        const b = (await list()).find((x) => x.id === backupId);
        if (b?.status === "Failed") throw new Error(`backup failed: ${b.message}`);
        return b?.status === status ? b : undefined;
      },
      { timeoutMs: 120_000 },
    );
  const backupNow = async (body: unknown = {}): Promise<BackupRecord> => {
    const r = await api.call("POST", url, { as: "operator", body });
    assert.equal(r.statusCode, 202, r.body);
    const started = r.json<BackupRecord>();
    assert.equal(started.status, "Running");
    return settled(started.id, "Completed");
  };
  return { list, settled, backupNow };
}
