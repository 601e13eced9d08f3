import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Store, compareResourceVersions } from "./store.ts";
import { type KubeObject } from "../api/object.ts";

const obj = (
  name: string,
  rv: string,
  labels: Record<string, string> = {},
  uid = `uid-${name}`,
): KubeObject => ({
  metadata: { name, namespace: "ns", uid, resourceVersion: rv, labels },
});

describe("compareResourceVersions", () => {
  const cases: Array<[string, string, number | undefined]> = [
    ["5", "7", -1],
    ["12", "9", 1],
    ["42", "42", 0],
    ["abc", "abc", 0],
    ["abc", "7", undefined],
  ];
  for (const [a, b, expected] of cases)
    it(`${a} vs ${b}`, () => assert.equal(compareResourceVersions(a, b), expected));
});

describe("Store", () => {
  it("looks objects up by namespace/name, UID and label selector", () => {
    const store = new Store();
    store.upsert(obj("a", "1", { app: "web" }));
    store.upsert(obj("b", "2", { app: "db" }));
    assert.equal(store.get("ns/a")?.metadata.resourceVersion, "1");
    assert.equal(store.getByUid("uid-b")?.metadata.name, "b");
    assert.deepEqual(
      store.list({ labelSelector: "app=db" }).map((o) => o.metadata.name),
      ["b"],
    );
    assert.deepEqual(store.list({ namespace: "other" }), []);
  });

  it("answers an equality selector from its label index as a full scan would, through every change", () => {
    const store = new Store();
    const names = (selector: string): string[] =>
      store
        .list({ labelSelector: selector })
        .map((o) => o.metadata.name)
        .sort();
    store.upsert(obj("a", "1", { stack: "s1", app: "web" }));
    store.upsert(obj("b", "2", { stack: "s1", app: "db" }));
    store.upsert(obj("c", "3", { stack: "s2" }));
    const steps: Array<[string, () => void, Record<string, string[]>]> = [
      ["first lookup builds the index", () => undefined, { "stack=s1": ["a", "b"], "stack=s2": ["c"] }],
      [
        "an update moves an object to its new value",
        () => store.upsert(obj("b", "4", { stack: "s2", app: "db" })),
        { "stack=s1": ["a"], "stack=s2": ["b", "c"], "stack=s2,app=db": ["b"] },
      ],
      ["an update dropping the label", () => store.upsert(obj("a", "5", { app: "web" })), { "stack=s1": [] }],
      ["a deletion", () => store.remove(obj("c", "6", { stack: "s2" })), { "stack=s2": ["b"] }],
      [
        "an overlay with a new value is found under it, not under the old one",
        () => store.recordWrite(obj("b", "7", { stack: "s3" })),
        { "stack=s2": [], "stack=s3": ["b"] },
      ],
      [
        "the overlay settled by the watch",
        () => store.upsert(obj("b", "7", { stack: "s3" })),
        { "stack=s3": ["b"] },
      ],
      ["a hidden deletion", () => store.recordDelete(obj("b", "7", { stack: "s3" })), { "stack=s3": [] }],
      [
        "a relist rebuilds it",
        () => store.replace([obj("d", "9", { stack: "s1" }), obj("e", "9", { stack: "s3" })]),
        { "stack=s1": ["d"], "stack=s3": ["e"], "stack=s2": [] },
      ],
    ];
    for (const [step, change, expected] of steps) {
      change();
      for (const [selector, want] of Object.entries(expected))
        assert.deepEqual(names(selector), want, `${step}: ${selector}`);
    }
  });

  it("reports what a relist added, changed and removed", () => {
    const store = new Store();
    store.upsert(obj("a", "1"));
    store.upsert(obj("b", "2"));
    const diff = store.replace([obj("a", "1"), obj("b", "5"), obj("c", "6")]);
    assert.deepEqual(
      diff.added.map((o) => o.metadata.name),
      ["c"],
    );
    assert.deepEqual(
      diff.modified.map(([, o]) => o.metadata.resourceVersion),
      ["5"],
    );
    assert.deepEqual(diff.deleted, []);
    assert.deepEqual(
      store
        .replace([obj("c", "6")])
        .deleted.map((o) => o.metadata.name)
        .sort(),
      ["a", "b"],
    );
  });

  describe("reads its own writes", () => {
    const cases: Array<[string, (s: Store) => void, string | undefined]> = [
      ["a write newer than the cache wins", (s) => s.recordWrite(obj("a", "10")), "10"],
      [
        "an older watch event does not hide the write",
        (s) => {
          s.recordWrite(obj("a", "10"));
          s.upsert(obj("a", "7"));
        },
        "10",
      ],
      [
        "the watch catching up with the write settles it",
        (s) => {
          s.recordWrite(obj("a", "10"));
          s.upsert(obj("a", "10"));
          s.upsert(obj("a", "11"));
        },
        "11",
      ],
      [
        "a later change by someone else replaces the write",
        (s) => {
          s.recordWrite(obj("a", "10"));
          s.upsert(obj("a", "12"));
        },
        "12",
      ],
      ["a deletion hides the cached copy at once", (s) => s.recordDelete(obj("a", "5")), undefined],
      [
        "the watch's DELETED event ends the tombstone",
        (s) => {
          s.recordDelete(obj("a", "5"));
          s.remove(obj("a", "5"));
          s.upsert(obj("a", "20", {}, "uid-a2"));
        },
        "20",
      ],
    ];
    for (const [name, act, expected] of cases) {
      it(name, () => {
        const store = new Store();
        store.upsert(obj("a", "5"));
        act(store);
        assert.equal(store.get("ns/a")?.metadata.resourceVersion, expected);
      });
    }
  });
});
