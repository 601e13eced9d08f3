import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { lastPemBlock, renderKubeconfig } from "./kubeconfig.ts";

const cert = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

describe("lastPemBlock", () => {
  const cases: Array<[string, string, string | undefined]> = [
    ["empty file", "", undefined],
    ["one certificate", cert("AAA"), `${cert("AAA")}\n`],
    ["serving certificate then CA", `${cert("LEAF")}\n${cert("CA")}\n`, `${cert("CA")}\n`],
    ["a key is not a certificate", "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----", undefined],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(lastPemBlock(input), expected));
  }
});

describe("renderKubeconfig", () => {
  it("names one cluster, user and context and makes it current", () => {
    const text = renderKubeconfig({
      name: "dev",
      server: "https://127.0.0.1:6443",
      caPem: "CA",
      token: "t0k",
    });
    assert.match(text, /current-context: "stackwarden-dev"/);
    assert.match(text, /server: "https:\/\/127\.0\.0\.1:6443"/);
    assert.match(text, /token: "t0k"/);
    assert.match(text, new RegExp(`certificate-authority-data: "${Buffer.from("CA").toString("base64")}"`));
  });

  it("quotes values so that YAML-special characters cannot change the document", () => {
    const text = renderKubeconfig({ name: "x", server: "https://h:1", caPem: "", token: 'a: b\n"c' });
    assert.match(text, /token: "a: b\\n\\"c"/);
    assert.equal(text.split("\n").filter((l) => l.startsWith("users:")).length, 1);
  });
});
