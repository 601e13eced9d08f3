import { describe, it } from "node:test";
import assert from "node:assert/strict";
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
});
