import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ObservationBuffer } from "./observation-buffer.ts";

const stackId = "00000000-0000-0000-0000-000000000001";
const event = (n: number) =>
  ({ stackId, kind: "event", type: "DriftCorrected", actor: "agent", data: { n } }) as const;

describe("ObservationBuffer", () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const fresh = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), "sw-buffer-"));
    dirs.push(d);
    return d;
  };

  it("numbers oldest first, keeps them across a reopen, and forgets what was acknowledged", async () => {
    const dir = await fresh();
    const a = await ObservationBuffer.open(dir, 10);
    for (let i = 1; i <= 4; i++) assert.equal(await a.append(event(i)), i);
    await a.ack(2, null);
    const b = await ObservationBuffer.open(dir, 10);
    assert.deepEqual(
      (await b.pending(10)).map((o) => o.seq),
      [3, 4],
    );
    assert.equal(await b.append(event(5)), 5, "numbers are never reused after a reopen");
  });

  it("evicts the oldest beyond the bound and reports the range until acknowledged", async () => {
    const dir = await fresh();
    const buf = await ObservationBuffer.open(dir, 3);
    let evicted = 0;
    buf.onDrop(() => evicted++);
    for (let i = 1; i <= 5; i++) await buf.append(event(i));
    assert.deepEqual(
      (await buf.pending(10)).map((o) => o.seq),
      [3, 4, 5],
    );
    assert.equal(evicted, 2, "each eviction is told");
    assert.equal(buf.lastSeq, 5);
    assert.deepEqual(buf.dropped, { count: 2, fromSeq: 1, toSeq: 2 });
    const reopened = await ObservationBuffer.open(dir, 3);
    assert.deepEqual(reopened.dropped, { count: 2, fromSeq: 1, toSeq: 2 });
    await reopened.ack(5, reopened.dropped);
    assert.equal(reopened.dropped, null);
    assert.equal(reopened.size, 0);
  });

  it("skips to above what the control plane already recorded", async () => {
    const buf = await ObservationBuffer.open(await fresh(), 3);
    await buf.skipTo(41);
    assert.equal(await buf.append(event(1)), 42);
  });

  it("refuses a bound that is not a positive integer", async () => {
    await assert.rejects(ObservationBuffer.open(await fresh(), 0), /positive integer, not 0/);
  });
});
