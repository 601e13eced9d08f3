import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentObservation, DroppedObservations } from "../store/agent-store.ts";

/** An observation before the buffer numbers it. */
export type Unnumbered = AgentObservation extends infer O
  ? O extends { seq: number }
    ? Omit<O, "seq">
    : never
  : never;

interface Meta {
  nextSeq: number;
  dropped: DroppedObservations | null;
}

const recordName = (seq: number): string => `${String(seq).padStart(16, "0")}.json`;

/**
 * The agent's outbox of observations, on disk: each is numbered (1, 2, 3, …,
 * never reused, also across restarts), kept in a file of its own until the
 * control plane acknowledges it, and handed out oldest first. It holds at
 * most `max` observations: a new one beyond that evicts the oldest, and the
 * evictions are counted (`dropped`) so the control plane can record that
 * they happened. Writes are serialized and atomic (write, then rename).
 */
export class ObservationBuffer {
  readonly #dir: string;
  readonly #max: number;
  readonly #seqs: number[];
  #meta: Meta;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(seq: number) => void>();
  readonly #evictions = new Set<() => void>();

  private constructor(dir: string, max: number, seqs: number[], meta: Meta) {
    this.#dir = dir;
    this.#max = max;
    this.#seqs = seqs;
    this.#meta = meta;
  }

  /** Opens (creating when missing) the buffer in `dir`, holding at most `max` observations. */
  static async open(dir: string, max: number): Promise<ObservationBuffer> {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`buffer bound must be a positive integer, not ${max}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const seqs = (await readdir(dir))
      .filter((f) => /^\d{16}\.json$/.test(f))
      .map((f) => Number(f.slice(0, 16)))
      .sort((a, b) => a - b);
    let meta: Meta = { nextSeq: 1, dropped: null };
    try {
      meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as Meta;
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    // A crash between writing a record and the meta must not reuse its number.
    meta.nextSeq = Math.max(meta.nextSeq, (seqs.at(-1) ?? 0) + 1);
    return new ObservationBuffer(dir, max, seqs, meta);
  }

  /** How many observations wait for an acknowledgement. */
  get size(): number {
    return this.#seqs.length;
  }

  /** What the bound forced out and the control plane has not yet acknowledged hearing of. */
  get dropped(): DroppedObservations | null {
    return this.#meta.dropped;
  }

  /** The highest number given so far (0 before the first). */
  get lastSeq(): number {
    return this.#meta.nextSeq - 1;
  }

  /** Calls `listener` with the number of every append once it is on disk (the sender wakes at once). */
  onAppend(listener: (seq: number) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Calls `listener` for every observation the bound forces out. */
  onDrop(listener: () => void): () => void {
    this.#evictions.add(listener);
    return () => void this.#evictions.delete(listener);
  }

  /** Numbers numbers from above `seq` on (the control plane already recorded up to it: a lost state dir must not reuse numbers). */
  skipTo(seq: number): Promise<void> {
    return this.#serial(async () => {
      if (seq < this.#meta.nextSeq) return;
      this.#meta.nextSeq = seq + 1;
      await this.#writeMeta();
    });
  }

  /** Numbers and stores `o`, evicting the oldest when full; resolves with its number once it is on disk. */
  append(o: Unnumbered): Promise<number> {
    const seq = this.#serial(async () => {
      const n = this.#meta.nextSeq++;
      while (this.#seqs.length >= this.#max) {
        const oldest = this.#seqs.shift() as number;
        await rm(join(this.#dir, recordName(oldest)), { force: true });
        const d = this.#meta.dropped;
        this.#meta.dropped = { count: (d?.count ?? 0) + 1, fromSeq: d?.fromSeq ?? oldest, toSeq: oldest };
        for (const l of this.#evictions) l();
      }
      await this.#writeMeta();
      await this.#writeAtomic(recordName(n), JSON.stringify({ ...o, seq: n }));
      this.#seqs.push(n);
      return n;
    });
    void seq.then((n) => {
      for (const l of this.#listeners) l(n);
    });
    return seq;
  }

  /** Up to `limit` observations, oldest first. */
  async pending(limit: number): Promise<AgentObservation[]> {
    const out: AgentObservation[] = [];
    for (const seq of this.#seqs.slice(0, limit)) {
      try {
        out.push(JSON.parse(await readFile(join(this.#dir, recordName(seq)), "utf8")) as AgentObservation);
      } catch (e: unknown) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // evicted meanwhile
      }
    }
    return out;
  }

  /** Forgets every observation numbered up to `seq`, and the dropped report once the control plane has it. */
  ack(seq: number, droppedSent: DroppedObservations | null): Promise<void> {
    return this.#serial(async () => {
      while (this.#seqs.length > 0 && (this.#seqs[0] as number) <= seq) {
        await rm(join(this.#dir, recordName(this.#seqs.shift() as number)), { force: true });
      }
      const d = this.#meta.dropped;
      if (d && droppedSent && d.toSeq === droppedSent.toSeq) {
        this.#meta.dropped = null;
        await this.#writeMeta();
      }
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(work, work);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #writeMeta(): Promise<void> {
    await this.#writeAtomic("meta.json", JSON.stringify(this.#meta));
  }

  async #writeAtomic(name: string, text: string): Promise<void> {
    const tmp = join(this.#dir, `.${name}.tmp`);
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, join(this.#dir, name));
  }
}
