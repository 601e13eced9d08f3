import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withLock } from "./lock.ts";
import { eventually } from "../testing/eventually.ts";

const dir = await mkdtemp(join(tmpdir(), "stackwarden-lock-"));

describe("withLock", () => {
  it("lets one holder in at a time", async () => {
    const lock = join(dir, "serial.lock");
    let inside = 0;
    let most = 0;
    let entered = 0;
    let busy = 0;
    // Each holder stays inside until another caller has found the lock held (the last one has nobody
    // left to wait for), so every caller but the last really tried to enter while someone was in.
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withLock(
          lock,
          async () => {
            inside++;
            entered++;
            most = Math.max(most, inside);
            const seen = busy;
            await eventually(
              "another caller to find the lock held",
              () => (busy > seen || entered === 5 ? true : undefined),
              { intervalMs: 1 },
            );
            inside--;
          },
          { pollMs: 5, onBusy: () => void busy++ },
        ),
      ),
    );
    assert.equal(most, 1);
    assert.equal(entered, 5);
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
    let busy = 0;
    let entered = false;
    const attempt = withLock(
      lock,
      () => {
        entered = true;
        return Promise.resolve("entered");
      },
      { pollMs: 5, signal: waiting.signal, onBusy: () => void busy++ },
    );
    // Proof it has looked, not a fixed wait: it found the lock held three times, and stayed out.
    await eventually("three looks at the held lock", () => (busy >= 3 ? true : undefined), { intervalMs: 1 });
    assert.equal(entered, false);
    waiting.abort();
    await assert.rejects(attempt, { name: "AbortError" });
  });
});
