import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyringError, KubeconfigKeyring } from "./kubeconfig-keyring.ts";

const key = (byte: number): string => Buffer.alloc(32, byte).toString("base64");
const secret = "apiVersion: v1\nusers:\n- name: admin\n  user:\n    token: very-secret\n";

describe("the kubeconfig keyring", () => {
  it("refuses malformed keyrings, naming the entry and never the key", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["empty", " \n ", /no key/],
      ["no id", key(1), /#1 must be id:base64key/],
      ["bad id", `a b:${key(1)}`, /#1 must be id:base64key/],
      ["short key", `k1:${Buffer.alloc(16).toString("base64")}`, /k1 must be 32 bytes/],
      ["duplicate id", `k1:${key(1)},k1:${key(2)}`, /unique/],
    ];
    for (const [name, text, message] of cases) {
      assert.throws(
        () => KubeconfigKeyring.parse(text),
        (e: unknown) => e instanceof KeyringError && message.test(e.message) && !e.message.includes(key(1)),
        name,
      );
    }
  });

  it("seals with the first key, never in plain text, differently each time, and opens with any key", () => {
    const ring = KubeconfigKeyring.parse(`# rotation: new first\nk2:${key(2)}\nk1:${key(1)}`);
    assert.equal(ring.primaryId, "k2");
    const a = ring.seal(secret, "edge");
    const b = ring.seal(secret, "edge");
    assert.notEqual(a, b, "a fresh IV each time");
    assert.ok(!a.includes("very-secret") && !a.includes(Buffer.from(secret).toString("base64")));
    assert.equal(KubeconfigKeyring.keyIdOf(a), "k2");
    assert.equal(ring.open(a, "edge"), secret);
    const old = KubeconfigKeyring.parse(`k1:${key(1)}`).seal(secret, "edge");
    assert.equal(ring.open(old, "edge"), secret, "the old key still opens what it sealed");
  });

  it("does not open another cluster's value, a tampered one, or one whose key is gone", () => {
    const ring = KubeconfigKeyring.parse(`k1:${key(1)}`);
    const sealed = ring.seal(secret, "edge");
    assert.throws(() => ring.open(sealed, "other"), /does not open with key k1/);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    assert.throws(() => ring.open(parts.join("."), "edge"), /does not open/);
    assert.throws(
      () => KubeconfigKeyring.parse(`k9:${key(9)}`).open(sealed, "edge"),
      /key k1, which is not configured/,
    );
    assert.throws(() => ring.open(secret, "edge"), /not sealed/);
    assert.equal(KubeconfigKeyring.keyIdOf(secret), undefined);
  });
});
