/** How many backups to keep: the last N, those younger than N days, or both (kept when either keeps it). */
export interface BackupRetention {
  readonly keepLast?: number;
  readonly keepDays?: number;
}

/** What {@link expiredBackups} reads of a backup. */
export interface RetainedBackup {
  readonly id: string;
  readonly status: string;
  readonly createdAt: string;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The ids of the completed backups `retention` lets go at `now`. A backup is
 * kept when any given rule keeps it: it is among the `keepLast` newest
 * completed ones, or it was made less than `keepDays` days ago. With no rule,
 * nothing expires; backups not Completed (being made, being restored,
 * failed) are never chosen. Pure.
 */
export function expiredBackups(
  backups: readonly RetainedBackup[],
  retention: BackupRetention,
  now: Date,
): string[] {
  if (retention.keepLast === undefined && retention.keepDays === undefined) return [];
  const completed = backups
    .filter((b) => b.status === "Completed")
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return completed
    .filter((b, index) => {
      const byCount = retention.keepLast !== undefined && index < retention.keepLast;
      const byAge =
        retention.keepDays !== undefined &&
        now.getTime() - Date.parse(b.createdAt) < retention.keepDays * dayMs;
      return !byCount && !byAge;
    })
    .map((b) => b.id);
}
