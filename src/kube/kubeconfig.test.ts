import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import { PlainKubeAccess, clientNodeConfig, kubeAccessFromText, plainAccess } from "./kubeconfig.ts";

const kubeconfig = (user: string, cluster = ""): string => `
apiVersion: v1
kind: Config
current-context: c
contexts: [{ name: c, context: { cluster: k, user: u } }]
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: Y2E=${cluster} } }]
users: [{ name: u, user: { ${user} } }]
`;

test("plainAccess reads certificates, tokens and files, and leaves the rest to client-node", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-test-"));
  writeFileSync(join(dir, "client.crt"), "CERT");
  const cases: Array<{ name: string; text: string; want: unknown }> = [
    {
      name: "inline client certificate",
      text: kubeconfig("client-certificate-data: Y2VydA==, client-key-data: a2V5"),
      want: {
        server: "https://127.0.0.1:6443",
        ca: Buffer.from("ca"),
        cert: Buffer.from("cert"),
        key: Buffer.from("key"),
        skipTLSVerify: false,
      },
    },
    {
      name: "certificate file relative to the kubeconfig, and a token",
      text: kubeconfig("client-certificate: client.crt, token: abc", ", insecure-skip-tls-verify: true"),
      want: {
        server: "https://127.0.0.1:6443",
        ca: Buffer.from("ca"),
        cert: Buffer.from("CERT"),
        token: "abc",
        skipTLSVerify: true,
      },
    },
    { name: "exec plugin", text: kubeconfig("exec: { command: aws }"), want: undefined },
    { name: "auth provider", text: kubeconfig("auth-provider: { name: oidc }"), want: undefined },
    { name: "basic auth", text: kubeconfig("username: a, password: b"), want: undefined },
    { name: "proxy", text: kubeconfig("token: x", ", proxy-url: http://p:3128"), want: undefined },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(plainAccess(c.text, dir), c.want));
  }
});

test("plainAccess names a missing context or server", () => {
  assert.throws(
    () => plainAccess("current-context: nope\ncontexts: []", "/"),
    /current-context "nope" is not in contexts/,
  );
  assert.throws(
    () => plainAccess("current-context: c\ncontexts: [{ name: c, context: { cluster: k } }]", "/"),
    /cluster "k" has no server/,
  );
});

test("PlainKubeAccess sets what client-node's KubeConfig sets, and reads the token from its file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-test-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "first\n");
  const access = new PlainKubeAccess({
    server: "https://h:1",
    ca: Buffer.from("ca"),
    tokenFile,
    skipTLSVerify: true,
  });
  const opts: RequestOptions = {};
  await access.applyToHTTPSOptions(opts);
  assert.deepEqual(opts, {
    ca: Buffer.from("ca"),
    rejectUnauthorized: false,
    headers: { authorization: "Bearer first" },
  });
  assert.equal(access.getCurrentCluster().server, "https://h:1");
});

test("kubeAccessFromText reads certificates itself and hands exec plugins to client-node", async () => {
  const plain = await kubeAccessFromText(
    kubeconfig("client-certificate-data: Y2VydA==, client-key-data: a2V5"),
  );
  assert.ok(plain instanceof PlainKubeAccess);
  const exec = await kubeAccessFromText(
    kubeconfig("exec: { command: aws, apiVersion: client.authentication.k8s.io/v1 }"),
  );
  assert.ok(exec instanceof KubeConfig);
  assert.equal(exec.getCurrentCluster()?.server, "https://127.0.0.1:6443");
});

test("clientNodeConfig gives pods/exec a client-node KubeConfig with the same server, TLS material and token", async () => {
  const access = new PlainKubeAccess({
    server: "https://h:1",
    ca: Buffer.from("ca"),
    cert: Buffer.from("cert"),
    key: Buffer.from("key"),
    token: "tok",
    skipTLSVerify: false,
  });
  const kc = await clientNodeConfig(access);
  assert.equal(kc.getCurrentCluster()?.server, "https://h:1");
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers = opts.headers as Record<string, string> | undefined;
  assert.deepEqual(
    {
      ca: String(opts.ca as Buffer),
      cert: String(opts.cert as Buffer),
      key: String(opts.key as Buffer),
      authorization: headers?.Authorization ?? headers?.authorization,
    },
    { ca: "ca", cert: "cert", key: "key", authorization: "Bearer tok" },
  );
  const original = new KubeConfig();
  assert.equal(await clientNodeConfig(original), original);
});
