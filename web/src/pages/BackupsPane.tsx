import { useCallback, useEffect, useState, type ReactElement } from "react";
import { api, type Backup, type StackDetail } from "../api.ts";

/** A size in bytes for people: KiB, MiB, GiB. */
export function formatBytes(n: number | null): string {
  if (n === null) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * The Backups tab: back up now (optionally keeping the last N), the list with
 * size, time and who made it, restore (stop → restore → start for a running
 * server, after a confirmation) and delete. Refreshes while one is in progress.
 */
export function BackupsPane({
  detail,
  onNotice,
}: {
  detail: StackDetail;
  onNotice: (message: string) => void;
}): ReactElement {
  const id = detail.stack.id;
  const [items, setItems] = useState<Backup[] | null>(null);
  const [keepLast, setKeepLast] = useState("");
  const [busy, setBusy] = useState(false);
  const reload = useCallback(async (): Promise<void> => {
    setItems(await api.backups(id).catch(() => []));
  }, [id]);
  useEffect(() => void reload(), [reload]);
  const working = items?.some((b) => b.status === "Running" || b.status === "Restoring") ?? false;
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void reload(), 1000);
    return () => clearInterval(timer);
  }, [working, reload]);
  const act = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    try {
      await work();
      onNotice(what);
    } catch (e: unknown) {
      onNotice(`Failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
      await reload();
    }
  };
  const running = detail.stack.power !== "Stopped";
  return (
    <section aria-labelledby="backups-title" className="backups">
      <h2 id="backups-title">Backups</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const n = keepLast === "" ? undefined : Number(keepLast);
          void act("Backup started.", () => api.backupNow(id, n));
        }}
      >
        <label>
          Keep the last{" "}
          <input
            type="number"
            min={1}
            max={1000}
            value={keepLast}
            onChange={(e) => setKeepLast(e.target.value)}
            placeholder="all"
            style={{ width: "5em" }}
          />
        </label>{" "}
        <button type="submit" disabled={busy || working}>
          Back up now
        </button>
      </form>
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No backups yet.</p>
      ) : (
        <table data-testid="backups">
          <thead>
            <tr>
              <th>Made</th>
              <th>By</th>
              <th>Kind</th>
              <th>Size</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((b) => (
              <tr key={b.id} data-testid="backup-row">
                <td>
                  <time dateTime={b.createdAt}>{new Date(b.createdAt).toLocaleString()}</time>
                </td>
                <td>{b.createdBy}</td>
                <td data-testid="backup-method" title={b.snapshotSkipped ?? undefined}>
                  {b.method === "snapshot" ? "Snapshot" : "Archive"}
                </td>
                <td data-testid="backup-size">{formatBytes(b.sizeBytes)}</td>
                <td data-testid="backup-status" title={b.message}>
                  {b.status}
                </td>
                <td>
                  <button
                    type="button"
                    disabled={busy || working || b.status !== "Completed"}
                    onClick={() => {
                      const ask = running
                        ? "The server is running. Stop it, restore this backup and start it again?"
                        : "Restore this backup into the stopped server?";
                      if (window.confirm(ask))
                        void act("Restoring.", () => api.restoreBackup(id, b.id, running));
                    }}
                  >
                    Restore
                  </button>{" "}
                  <button
                    type="button"
                    disabled={busy || working || b.status === "Running" || b.status === "Restoring"}
                    onClick={() => {
                      if (window.confirm("Delete this backup's archive?"))
                        void act("Backup deleted.", () => api.deleteBackup(id, b.id));
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
