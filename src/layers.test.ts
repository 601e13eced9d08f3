/**
 * The layers point one way (docs/architecture.md): this walks the import graph
 * of every file under src/ and fails on an import cycle between files, on a
 * pure layer importing kube/, on operator → http, on controlplane → operator,
 * and on Postgres clients imported outside controlplane/store. Pure and fast:
 * it reads the files' import lines with TypeScript's own pre-processor.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const src = resolve(import.meta.dirname);

/** Every .ts file under src/, as a path relative to src/. */
function sourceFiles(dir = src): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [relative(src, join(dir, e.name))]
        : [],
  );
}

/** What a file imports: files under src/ (relative paths) and packages (bare names). */
interface Imports {
  readonly files: string[];
  readonly packages: string[];
}

function importsOf(file: string): Imports {
  const info = ts.preProcessFile(readFileSync(join(src, file), "utf8"), true, true);
  const files: string[] = [];
  const packages: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (fileName.startsWith(".")) files.push(relative(src, resolve(src, dirname(file), fileName)));
    else if (!fileName.startsWith("node:")) packages.push(fileName);
  }
  return { files, packages };
}

const graph = new Map(sourceFiles().map((f) => [f, importsOf(f)]));
const isTest = (f: string): boolean => f.endsWith(".test.ts");
/** src/testing/ is the tests' own support (it starts operators and PostgreSQL servers). */
const isTestSupport = (f: string): boolean => isTest(f) || f.startsWith("testing/");
const layerOf = (f: string): string => (f.includes("/") ? f.slice(0, f.indexOf("/")) : "");

/** One cycle per strongly connected group of files, found by depth-first search. */
export function importCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const to of edges.get(f) ?? []) {
      if (state.get(to) === "open") cycles.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of edges.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

/** `from → to` for every import in `graph` that `forbidden` refuses. */
function violations(forbidden: (from: string, to: string) => boolean): string[] {
  return [...graph].flatMap(([from, { files, packages }]) =>
    [...files, ...packages].filter((to) => forbidden(from, to)).map((to) => `${from} → ${to}`),
  );
}

describe("the import graph of src/", () => {
  it("finds the cycles a table of edges has (the walker itself)", () => {
    const cases: Array<[string, Record<string, string[]>, number]> = [
      ["none", { a: ["b"], b: ["c"], c: [] }, 0],
      ["a self-import", { a: ["a"] }, 1],
      ["two files", { a: ["b"], b: ["a"] }, 1],
      ["three files, entered in the middle", { b: ["c"], c: ["a"], a: ["b"] }, 1],
      ["a diamond is no cycle", { a: ["b", "c"], b: ["d"], c: ["d"], d: [] }, 0],
    ];
    for (const [name, edges, count] of cases) {
      assert.equal(importCycles(new Map(Object.entries(edges))).length, count, name);
    }
  });

  it("resolves every relative import to a file that exists", () => {
    assert.ok(graph.size > 100, `read ${graph.size} files`);
    assert.deepEqual(
      violations((_from, to) => to.endsWith(".ts") && !graph.has(to)),
      [],
    );
  });

  it("has no import cycle between files", () => {
    const edges = new Map([...graph].map(([f, i]) => [f, i.files.filter((to) => graph.has(to))]));
    assert.deepEqual(
      importCycles(edges).map((c) => c.join(" → ")),
      [],
    );
  });

  it("keeps the pure layers (api, templates, resources, engine) off kube/", () => {
    const pure = new Set(["api", "templates", "resources", "engine"]);
    // This test checks the stack selector with the very parser kube/ reads selectors with (pure code).
    const crossCheck = "resources/labels.test.ts → kube/label-selector.ts";
    assert.deepEqual(
      violations((from, to) => pure.has(layerOf(from)) && to.startsWith("kube/")).filter(
        (v) => v !== crossCheck,
      ),
      [],
    );
  });

  it("has the operator import nothing of http/, and the control plane nothing of operator/", () => {
    // Tests of the control plane run a real operator beside it: that is their setup, not a layer.
    assert.deepEqual(
      violations(
        (from, to) =>
          !isTest(from) &&
          ((layerOf(from) === "operator" && to.startsWith("http/")) ||
            (layerOf(from) === "controlplane" && to.startsWith("operator/"))),
      ),
      [],
    );
  });

  it("lets only controlplane/store talk to Postgres", () => {
    const clients = new Set(["pg", "@electric-sql/pglite"]);
    assert.deepEqual(
      violations(
        (from, to) =>
          clients.has(
            to
              .split("/")
              .slice(0, to.startsWith("@") ? 2 : 1)
              .join("/"),
          ) &&
          !from.startsWith("controlplane/store/") &&
          !isTestSupport(from),
      ),
      [],
    );
  });
});
