import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadAll } from "js-yaml";
import type { KubeObject } from "../../../api/object.ts";

/** What a corpus manifest is expected to do: reach `phase` with its children, or be refused naming `field`. */
export type Expectation =
  | { readonly type: "phase"; readonly phase: string; readonly children: readonly string[] }
  | { readonly type: "refused"; readonly field: string };

/** One corpus file: its kind folder, version, name, the objects it holds (the typed one last) and its expectation. */
export interface CorpusEntry {
  readonly kind: string;
  readonly version: string;
  readonly file: string;
  readonly objects: readonly KubeObject[];
  readonly expect: Expectation;
}

/**
 * Reads a corpus file's expectation from its header comments:
 * `# expect: Ready` (or any phase) with `# children: Kind/name, …`, or
 * `# expect: refused spec.some.field`. Throws naming the file when the header
 * is missing or malformed.
 */
export function parseExpectation(file: string, text: string): Expectation {
  const header = (key: string): string | undefined =>
    new RegExp(`^# ${key}: (.+)$`, "m").exec(text)?.[1]?.trim();
  const expect = header("expect");
  if (!expect) throw new Error(`${file}: no "# expect:" header`);
  const refused = /^refused (\S+)$/.exec(expect);
  if (refused) return { type: "refused", field: refused[1]! };
  if (!/^[A-Z][A-Za-z]+$/.test(expect)) throw new Error(`${file}: "# expect: ${expect}" is not a phase`);
  const children = (header("children") ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  return { type: "phase", phase: expect, children };
}

/** Every corpus file under `root` (`<kind>/<version>/*.yaml`), sorted, parsed. */
export async function loadCorpus(root: string): Promise<CorpusEntry[]> {
  const entries: CorpusEntry[] = [];
  for (const kind of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    for (const version of (await readdir(join(root, kind.name))).sort()) {
      const dir = join(root, kind.name, version);
      for (const file of (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort()) {
        const text = await readFile(join(dir, file), "utf8");
        entries.push({
          kind: kind.name,
          version,
          file,
          objects: loadAll(text).filter((o) => o !== null) as KubeObject[],
          expect: parseExpectation(`${kind.name}/${version}/${file}`, text),
        });
      }
    }
  }
  return entries;
}

/** The REST path of an object in `namespace`, from its apiVersion and plural. */
export function objectPath(apiVersion: string, plural: string, namespace: string, name?: string): string {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${namespace}/${plural}${name ? `/${name}` : ""}`;
}
