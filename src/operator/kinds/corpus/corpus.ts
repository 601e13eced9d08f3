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

/**
 * Every corpus file under `root` (`<kind>/<version>/*.yaml`), sorted, parsed. A file may name
 * sibling files whose objects are applied before its own with `# requires: a.yaml, b.yaml` (an
 * upstream sample that needs a Secret from another sample); a required file without an
 * `# expect:` header is a fixture, not an entry of its own.
 */
export async function loadCorpus(root: string): Promise<CorpusEntry[]> {
  const entries: CorpusEntry[] = [];
  for (const kind of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    for (const version of (await readdir(join(root, kind.name))).sort()) {
      const dir = join(root, kind.name, version);
      const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
      const texts = new Map(
        await Promise.all(files.map(async (f) => [f, await readFile(join(dir, f), "utf8")] as const)),
      );
      const requiresOf = (text: string): string[] =>
        (/^# requires: (.+)$/m.exec(text)?.[1] ?? "")
          .split(",")
          .map((r) => r.trim())
          .filter((r) => r !== "");
      const fixtures = new Set([...texts.values()].flatMap(requiresOf));
      const parse = (text: string): KubeObject[] => loadAll(text).filter((o) => o !== null) as KubeObject[];
      for (const [file, text] of texts) {
        if (fixtures.has(file) && !/^# expect: /m.test(text)) continue;
        const required = requiresOf(text).map((r) => {
          const t = texts.get(r);
          if (t === undefined)
            throw new Error(`${kind.name}/${version}/${file}: requires ${r}, which is not there`);
          return parse(t);
        });
        entries.push({
          kind: kind.name,
          version,
          file,
          objects: [...required.flat(), ...parse(text)],
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
