import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { KubeClient } from "../kube/client.ts";
import { ResourceTypes } from "../kube/resource-type.ts";
import { installCrds } from "../operator/install-crds.ts";
import { packageRoot } from "../sandbox/paths.ts";
import { useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";

const { kubeconfig, kc, namespace } = await useTestNamespace("cli-server");
// The server serves stacks once it can watch them: the CRDs come first, as the manifests install
// them, rather than from whichever test file happened to start an operator before this one.
const admin = new KubeClient(kc);
await installCrds(admin, new ResourceTypes());
admin.close();
const dataDir = mkdtempSync(join(tmpdir(), "stackwarden-server-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Starts `stackwarden server` as its own process and waits for the line that says where it listens. */
async function startServerProcess(): Promise<Started> {
  const child = spawn(
    process.execPath,
    [
      join(packageRoot, "src/cli/main.ts"),
      "server",
      "--listen=127.0.0.1:0",
      `--data-dir=${dataDir}`,
      `--kubeconfig=${kubeconfig}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DATABASE_URL: "" } },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  after(() => void child.kill("SIGKILL"));
  const url = await eventually(
    "the server to say where it listens",
    () => {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${err}`);
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === "stackwarden server is up") return entry.url;
      }
      return undefined;
    },
    { timeoutMs: 90_000 },
  );
  return { child, url, stdout: () => out, stderr: () => err };
}

async function stop(s: Started): Promise<number | null> {
  s.child.kill("SIGTERM");
  return new Promise((resolve) => s.child.once("exit", (code) => resolve(code)));
}

describe("stackwarden server", () => {
  let token = "";
  let stackId = "";

  it("creates the first admin once, serves health, metrics and the API on one address", async () => {
    const server = await startServerProcess();
    const file = join(dataDir, "admin-token");
    token = readFileSync(file, "utf8").trim();
    assert.match(token, /^swt_/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // stderr and stdout are two pipes: the "up" line on stdout may be read before the token's line.
    await eventually("the token to be printed on the terminal", () =>
      server.stderr().includes(token) ? true : undefined,
    );
    assert.ok(!server.stdout().includes(token), "the token never reaches the logs");

    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    await eventually("/readyz to answer 200", async () =>
      (await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined,
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /process_cpu_user_seconds_total/);
    assert.equal((await fetch(`${server.url}/api/v1/whoami`)).status, 401);
    const me = await fetch(`${server.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { role?: string }).role, "admin");

    const created = await fetch(`${server.url}/api/v1/stacks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        template: "minecraft-java",
        name: "lobby",
        namespace,
        params: { eula: true },
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    stackId = ((await created.json()) as { id: string }).id;
    const custom = kc.makeApiClient(CustomObjectsApi);
    const stack = await eventually(
      "the control plane to apply the Stack resource",
      async (): Promise<unknown> =>
        custom
          .getNamespacedCustomObject({
            group: "stackwarden.dev",
            version: "v1alpha1",
            namespace,
            plural: "stacks",
            name: "lobby",
          })
          .catch(() => undefined) as Promise<unknown>,
    );
    const labels = (stack as { metadata: { labels: Record<string, string> } }).metadata.labels;
    assert.equal(labels["stackwarden.dev/stack-id"], stackId);
    assert.equal(labels["app.kubernetes.io/managed-by"], "stackwarden");
    assert.equal(await stop(server), 0);
  });

  it("starts again on the same data without a new admin and with everything it had", async () => {
    const server = await startServerProcess();
    assert.ok(!server.stderr().includes("swt_"), "no second admin token");
    const res = await fetch(`${server.url}/api/v1/stacks/${stackId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { stack?: { name?: string } }).stack?.name, "lobby");
    assert.equal(await stop(server), 0);
  });
});
