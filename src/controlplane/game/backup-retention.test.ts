import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expiredBackups, type BackupRetention, type RetainedBackup } from "./backup-retention.ts";

const now = new Date("2026-06-10T12:00:00Z");
const daysAgo = (id: string, days: number, status = "Completed"): RetainedBackup => ({
  id,
  status,
  createdAt: new Date(now.getTime() - days * 86_400_000).toISOString(),
});
const backups = [
  daysAgo("d0", 0),
  daysAgo("d1", 1.5),
  daysAgo("d3", 3),
  daysAgo("d10", 10),
  daysAgo("d20", 20),
];

describe("expiredBackups", () => {
  const cases: Array<[string, readonly RetainedBackup[], BackupRetention, string[]]> = [
    ["no rule keeps everything", backups, {}, []],
    ["keep the last 2", backups, { keepLast: 2 }, ["d3", "d10", "d20"]],
    ["keep 7 days", backups, { keepDays: 7 }, ["d10", "d20"]],
    ["either rule keeps: last 4 or 2 days", backups, { keepLast: 4, keepDays: 2 }, ["d20"]],
    ["either rule keeps: last 1 or 5 days", backups, { keepLast: 1, keepDays: 5 }, ["d10", "d20"]],
    ["more kept than there are", backups, { keepLast: 50 }, []],
    [
      "running, restoring and failed ones are neither counted nor chosen",
      [
        daysAgo("run", 30, "Running"),
        daysAgo("fail", 0, "Failed"),
        daysAgo("res", 40, "Restoring"),
        ...backups,
      ],
      { keepLast: 1 },
      ["d1", "d3", "d10", "d20"],
    ],
    ["order of the input does not matter", [...backups].reverse(), { keepLast: 2 }, ["d3", "d10", "d20"]],
  ];
  for (const [name, list, retention, want] of cases)
    it(name, () => assert.deepEqual(expiredBackups(list, retention, now), want));
});
