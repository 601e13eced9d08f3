import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCorpus, parseExpectation } from "./corpus.ts";

describe("corpus headers", () => {
  for (const [text, expected] of [
    [
      "# expect: Ready\n# children: StatefulSet/a, Service/a\n",
      { type: "phase", phase: "Ready", children: ["StatefulSet/a", "Service/a"] },
    ],
    ["# expect: Running\n", { type: "phase", phase: "Running", children: [] }],
    ["# expect: refused spec.components\n", { type: "refused", field: "spec.components" }],
  ] as const) {
    it(`reads ${JSON.stringify(text.split("\n")[0])}`, () => {
      assert.deepEqual(parseExpectation("f", text), expected);
    });
  }
  for (const text of ["kind: X\n", "# expect: ready soon\n"]) {
    it(`refuses ${JSON.stringify(text)}, naming the file`, () => {
      assert.throws(() => parseExpectation("dir/f.yaml", text), /dir\/f\.yaml/);
    });
  }
  it("every corpus file has a typed object last and a well-formed header", async () => {
    const corpus = await loadCorpus(fileURLToPath(new URL(".", import.meta.url)));
    assert.ok(corpus.length >= 10);
    for (const e of corpus)
      assert.match(e.objects.at(-1)?.apiVersion ?? "", new RegExp(`/${e.version}$`), e.file);
  });
  it("applies a required file's objects first, and a required file without a header is no entry", async () => {
    const root = await mkdtemp(join(tmpdir(), "corpus-"));
    try {
      await mkdir(join(root, "k", "v1"), { recursive: true });
      await writeFile(
        join(root, "k", "v1", "secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
      );
      await writeFile(
        join(root, "k", "v1", "sample.yaml"),
        "# expect: Ready\n# requires: secret.yaml\napiVersion: x.io/v1\nkind: X\nmetadata: {name: x}\n",
      );
      const corpus = await loadCorpus(root);
      assert.deepEqual(
        corpus.map((e) => [e.file, e.objects.map((o) => o.kind)]),
        [["sample.yaml", ["Secret", "X"]]],
      );
      await writeFile(
        join(root, "k", "v1", "other.yaml"),
        "# expect: Ready\n# requires: gone.yaml\nkind: X\n",
      );
      await assert.rejects(loadCorpus(root), /other\.yaml: requires gone\.yaml/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
