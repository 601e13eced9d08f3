import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { withLock } from "./lock.ts";

const dir = await mkdtemp(join(tmpdir(), "stackwarden-lock-"));

describe("withLock", () => {
  it("lets one holder in at a time", async () => {
    const lock = join(dir, "serial.lock");
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withLock(
          lock,
          async () => {
            inside++;
            most = Math.max(most, inside);
            await sleep(10);
            inside--;
          },
          { pollMs: 5 },
        ),
      ),
    );
    assert.equal(most, 1);
  });

  it("releases the lock when the holder throws", async () => {
    const lock = join(dir, "throws.lock");
    await assert.rejects(
      withLock(lock, () => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(await withLock(lock, () => Promise.resolve("free again")), "free again");
  });

  it("takes over a lock whose owner is gone", async () => {
    const lock = join(dir, "stale.lock");
    await mkdir(lock);
    await writeFile(join(lock, "pid"), "999999999");
    assert.equal(await withLock(lock, () => Promise.resolve("taken")), "taken");
  });

  it("waits for a live owner", async () => {
    const lock = join(dir, "live.lock");
    await mkdir(lock);
    await writeFile(join(lock, "pid"), String(process.ppid));
    const waiting = new AbortController();
    const attempt = withLock(lock, () => Promise.resolve("entered"), { pollMs: 5, signal: waiting.signal });
    const result = await Promise.race([attempt, sleep(200).then(() => "still waiting")]);
    assert.equal(result, "still waiting");
    waiting.abort();
    await assert.rejects(attempt, { name: "AbortError" });
  });
});
