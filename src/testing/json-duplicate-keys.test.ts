import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { duplicateKeys } from "./json-duplicate-keys.ts";

describe("duplicateKeys", () => {
  const cases: ReadonlyArray<{ name: string; text: string; want: string[] }> = [
    { name: "none in a flat line", text: '{"level":"info","logger":"server","msg":"up"}', want: [] },
    { name: "a key written twice", text: '{"logger":"server","logger":"http"}', want: ["/logger"] },
    { name: "inside a nested object", text: '{"err":{"type":"E","type":"F"}}', want: ["/err/type"] },
    { name: "inside an array's object", text: '{"a":[1,{"b":1,"b":2}]}', want: ["/a/1/b"] },
    { name: "equal keys in sibling objects are fine", text: '{"a":{"x":1},"b":{"x":2}}', want: [] },
    { name: "escaped quotes in strings", text: '{"msg":"say \\"hi\\"","msg2":"}"}', want: [] },
    { name: "keys that differ only by escaping", text: '{"a\\u0062":1,"ab":2}', want: ["/ab"] },
    { name: "scalars and whitespace", text: ' { "n" : -1.5e3 , "t" : true , "z" : null } ', want: [] },
    { name: "a slash in a key is escaped", text: '{"a/b":1,"a/b":2}', want: ["/a~1b"] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(duplicateKeys(c.text), c.want));

  it("throws on text that is not JSON", () => {
    for (const text of ["{", '{"a":}', '{"a":1} x', "nope"]) assert.throws(() => duplicateKeys(text));
  });
});
