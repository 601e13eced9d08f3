/**
 * Short readings of V8's diagnostic files for the benchmarks: a heap snapshot summed by
 * constructor (self size), and a CPU profile summed by package (self time).
 */
import { statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** The `top` biggest groups of a `.heapsnapshot` by self size: `type:constructor  MiB  count`. */
export async function summariseHeapSnapshot(file: string, top: number): Promise<string> {
  const heap = JSON.parse(await readFile(file, "utf8")) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const groups = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt!]!] ?? "?";
    const name = heap.strings[heap.nodes[i + nameAt!]!] ?? "?";
    const size = heap.nodes[i + sizeAt!]!;
    total += size;
    const key = type === "object" || type === "closure" ? `${type}:${name}` : type;
    const g = groups.get(key) ?? { size: 0, count: 0 };
    g.size += size;
    g.count++;
    groups.set(key, g);
  }
  const lines = [...groups.entries()]
    .sort((a, b) => b[1].size - a[1].size)
    .slice(0, top)
    .map(
      ([k, g]) =>
        `  ${k.slice(0, 50).padEnd(52)} ${(g.size / 2 ** 20).toFixed(2).padStart(7)} MiB ${String(g.count).padStart(8)}`,
    );
  return [`  total self size ${(total / 2 ** 20).toFixed(1)} MiB`, ...lines].join("\n");
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { url: string; functionName: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Which package (or `src/…` folder, or `(idle)`, `(gc)`) a profile node's script belongs to. */
function packageOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, "") || "native"})`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (src) return src[1]!;
  if (url.startsWith("node:")) return "node: (built-in)";
  return url.split("/").slice(-2).join("/");
}

/** The `top` packages of a `.cpuprofile` by self time: `package  seconds`. */
export async function summariseCpuProfile(file: string, top: number): Promise<string> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const owner = new Map(
    profile.nodes.map((n) => [n.id, packageOf(n.callFrame.url, n.callFrame.functionName)]),
  );
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const key = owner.get(id) ?? "?";
    time.set(key, (time.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...time.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `  ${k.padEnd(40)} ${(us / 1e6).toFixed(2).padStart(7)} s`)
    .join("\n");
}

/** The path of the first file in `dir` whose name ends with `suffix`, once Node has finished writing it. */
export async function waitForFile(dir: string, suffix: string): Promise<string> {
  for (;;) {
    const file = (await readdir(dir)).find((f) => f.endsWith(suffix));
    if (file) {
      const path = join(dir, file);
      // Node writes the file in place; wait until its size stops changing.
      let last = -1;
      for (;;) {
        const size = statSync(path).size;
        if (size === last && size > 0) return path;
        last = size;
        await sleep(500);
      }
    }
    await sleep(200);
  }
}
