/**
 * How a backup copies the world, from what was asked (`method`: auto,
 * archive or snapshot) and what the cluster offers (the snapshot class
 * lookup of snapshot-class.ts).
 *
 * - `auto` (the default): a VolumeSnapshot when no target is named and the
 *   lookup finds a class; otherwise an archive, recording why no snapshot
 *   was made. A named target (a claim or a bucket) always gets an archive: an
 *   archive is portable, a snapshot stays beside the volume, in the driver's
 *   storage.
 * - `archive`: an archive, without looking.
 * - `snapshot`: a VolumeSnapshot, or a refusal saying why there can be none
 *   (409), changing nothing; with a named target it is a bad request (422).
 */
import { ServiceError } from "../stack-service.ts";
import type { SnapshotLookup } from "./snapshot-class.ts";

/** What `POST …/backups` may ask for as `method`. */
export const backupMethodChoices = ["auto", "archive", "snapshot"] as const;
export type BackupMethodChoice = (typeof backupMethodChoices)[number];

/** What a backup will be. */
export type BackupMethodPlan =
  | { readonly method: "archive"; readonly snapshotSkipped?: string }
  | {
      readonly method: "snapshot";
      readonly className: string;
      readonly storageClass: string;
    };

/**
 * Decides the method of one backup; calls `lookup` only when a snapshot is
 * wanted. Invalid (naming `/method`) for a snapshot to a named target;
 * Conflict when a snapshot was asked and the lookup found none.
 */
export async function planBackupMethod(
  choice: BackupMethodChoice,
  targetNamed: boolean,
  lookup: () => Promise<SnapshotLookup>,
): Promise<BackupMethodPlan> {
  if (choice === "archive" || (choice === "auto" && targetNamed)) return { method: "archive" };
  if (targetNamed) {
    const message = "a snapshot stays in the cluster beside the volume: it cannot go to a target";
    throw new ServiceError("Invalid", message, { problems: [{ path: "/method", message }] });
  }
  const found = await lookup();
  if (found.found)
    return { method: "snapshot", className: found.className, storageClass: found.storageClass };
  if (choice === "snapshot")
    throw new ServiceError("Conflict", `no snapshot can be taken: ${found.reason}: ${found.message}`);
  return { method: "archive", snapshotSkipped: `${found.reason}: ${found.message}` };
}
