/**
 * `stackwarden up` as users run it (here given the test cluster instead of
 * starting a sandbox, and limited to one namespace): both planes in one
 * process on PGlite, one address serving the UI, the API, /metrics and the
 * probes, and a stack created through the API converging through the
 * operator in the same process. The panel it serves is the built UI (it builds
 * web/ when missing or stale), and no log line it writes has a key twice.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../sandbox/paths.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { duplicateKeys } from "../testing/json-duplicate-keys.ts";

const { kubeconfig, kc, namespace } = await useTestNamespace("cli-up");
const dataDir = mkdtempSync(join(tmpdir(), "stackwarden-up-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

describe("stackwarden up", () => {
  it("runs the operator and the control plane on one address, and a stack made through the API gets Ready", async () => {
    const child = spawn(
      process.execPath,
      [
        join(packageRoot, "src/cli/main.ts"),
        "up",
        "--listen=127.0.0.1:0",
        `--data-dir=${dataDir}`,
        `--kubeconfig=${kubeconfig}`,
        `--namespaces=${namespace}`,
        "--log-level=info",
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DATABASE_URL: "" } },
    );
    let err = "";
    let out = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    after(() => void child.kill("SIGKILL"));
    const url = await eventually(
      "up to say where the panel is",
      () => {
        if (child.exitCode !== null) throw new Error(`up exited ${child.exitCode}: ${err}`);
        return /panel and API:\s+(http:\/\/\S+)/.exec(err)?.[1];
      },
      { timeoutMs: 120_000 },
    );
    const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    assert.ok(err.includes(token), "the first admin token is printed once");
    const auth = { authorization: `Bearer ${token}` };

    await eventually("/readyz to answer 200", async () =>
      (await fetch(`${url}/readyz`)).status === 200 ? true : undefined,
    );
    const home = await fetch(`${url}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get("content-type") ?? "", /text\/html/);
    const page = await home.text();
    assert.doesNotMatch(page, /not built/);
    assert.match(
      page,
      /<script type="module" crossorigin src="\/assets\//,
      "the built panel, not its sources",
    );

    const created = await fetch(`${url}/api/v1/stacks`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        template: "minecraft-java",
        namespace,
        name: "hub",
        params: { eula: true, memory: "1G" },
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    await eventually(
      "the stack to be Ready and applied, as the API reports it",
      async () => {
        const res = await fetch(`${url}/api/v1/stacks/${id}`, { headers: auth });
        const body = (await res.json()) as {
          stack: { generation: number; lastAppliedGeneration: number; statusSummary: string };
          observed: { phase?: string } | null;
        };
        return body.observed?.phase === "Ready" &&
          body.stack.lastAppliedGeneration === body.stack.generation &&
          body.stack.statusSummary === "Healthy"
          ? true
          : undefined;
      },
      {
        timeoutMs: 120_000,
        explain: async () => {
          const problems = out.split("\n").filter((line) => /"level":"(warn|error|fatal)"/.test(line));
          return `${await describeNamespace(kc, namespace)}\nup's warnings and errors:\n${problems.slice(-30).join("\n")}`;
        },
      },
    );

    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /controller_runtime_reconcile_total\{[^}]*controller="controlplane_stack"/);
    assert.match(metrics, /controller_runtime_reconcile_total\{[^}]*controller="stack"/);
    assert.match(metrics, /stackwarden_http_request_duration_seconds/);

    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    assert.equal(code, 0, err);

    const lines = out.split("\n").filter((line) => line !== "");
    assert.ok(lines.length > 0, "up logs JSON lines on standard output");
    const twice = lines.flatMap((line) => duplicateKeys(line).map((key) => `${key} in ${line}`));
    assert.deepEqual(twice, [], "no log line has a key twice");
  });
});
