/**
 * The `sandbox` command's contract, on real processes: idempotent and
 * concurrent `up`, side-by-side sandboxes, one component restarted in place (same
 * ports, certificates and data), recovery from a killed sandbox and
 * a stale lock, and `down` that stops everything (or says nothing ran).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxDown, sandboxStatus, sandboxUp, type SandboxOptions } from "./sandbox.ts";
import { sandboxPaths } from "./paths.ts";
import { isProcessAlive } from "./process.ts";
import { componentNames } from "./components.ts";
import { restartSandboxComponent } from "./restart-component.ts";
import { testKubeconfig } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { readFile } from "node:fs/promises";

const stateDir = await mkdtemp(join(tmpdir(), "stackwarden-lifecycle-"));
const lines: string[] = [];
const options = (name: string): SandboxOptions => ({
  name,
  env: { ...process.env, STACKWARDEN_STATE_DIR: stateDir },
  log: (line) => void lines.push(line),
});

after(async () => {
  for (const name of ["life-a", "life-b", "life-none"])
    await sandboxDown(options(name)).catch(() => undefined);
  await rm(stateDir, { recursive: true, force: true });
});

describe("sandbox lifecycle", () => {
  it("says there is nothing to stop when no sandbox runs", async () => {
    assert.equal(await sandboxDown(options("life-a")), false);
    const status = await sandboxStatus(options("life-a"));
    assert.equal(status.running, false);
  });

  it("starts once when two callers ask at the same time, and both get the same sandbox", async () => {
    const [first, second] = await Promise.all([sandboxUp(options("life-a")), sandboxUp(options("life-a"))]);
    assert.equal(first.server, second.server);
    assert.deepEqual([first.reused, second.reused].sort(), [false, true]);
    assert.deepEqual(first.state.pids, second.state.pids);
    const status = await sandboxStatus(options("life-a"));
    assert.equal(status.running, true);
    assert.ok((await stat(first.kubeconfig)).mode & 0o600);
  });

  it("is idempotent: up on a running sandbox returns it unchanged", async () => {
    const before = await sandboxStatus(options("life-a"));
    const again = await sandboxUp(options("life-a"));
    assert.equal(again.reused, true);
    assert.deepEqual(again.state.pids, before.state?.pids);
  });

  it("runs side by side with another sandbox on other ports", async () => {
    const b = await sandboxUp(options("life-b"));
    const a = await sandboxUp(options("life-a"));
    assert.notEqual(a.server, b.server);
    const shared = await testKubeconfig();
    assert.notEqual(shared, a.kubeconfig);
    assert.equal(await sandboxDown(options("life-b")), true);
    assert.equal((await sandboxStatus(options("life-a"))).running, true, "stopping b left a alone");
  });

  it("restarts kube-apiserver in place: same port, certificate and data; the old kubeconfig still works", async () => {
    const before = await sandboxUp(options("life-a"));
    const paths = sandboxPaths("life-a", options("life-a").env);
    const certificate = await readFile(join(paths.certs, "apiserver.crt"), "utf8");
    const kc = new KubeConfig();
    kc.loadFromFile(before.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "kept-across-restart" }, data: { a: "1" } },
    });
    const old = before.state.pids["kube-apiserver"]!;

    const after = await restartSandboxComponent(options("life-a"), "kube-apiserver");
    assert.equal(isProcessAlive(old), false, "the old kube-apiserver was stopped");
    assert.notEqual(after.pids["kube-apiserver"], old);
    assert.deepEqual(after.ports, before.state.ports);
    assert.deepEqual({ ...after.pids, "kube-apiserver": old }, before.state.pids, "nothing else restarted");
    assert.equal(await readFile(join(paths.certs, "apiserver.crt"), "utf8"), certificate);
    const read = await core.readNamespacedConfigMap({ name: "kept-across-restart", namespace: "default" });
    assert.equal(read.data?.a, "1");
    const status = await sandboxStatus(options("life-a"));
    assert.equal(status.running, true, status.problem);
    assert.deepEqual(status.state?.pids, after.pids);
  });

  it("refuses to restart a component of a sandbox that is not running, changing nothing", async () => {
    await assert.rejects(
      restartSandboxComponent(options("life-none"), "kube-apiserver"),
      /no sandbox "life-none"/,
    );
    assert.equal((await sandboxStatus(options("life-none"))).running, false);
  });

  it("notices a killed sandbox and starts a clean one", async () => {
    const before = await sandboxUp(options("life-a"));
    const apiserver = before.state.pids["kube-apiserver"]!;
    process.kill(apiserver, "SIGKILL");
    await waitGone(apiserver);
    const broken = await sandboxStatus(options("life-a"));
    assert.equal(broken.running, false);
    assert.match(broken.problem ?? "", /kube-apiserver/);

    const after = await sandboxUp(options("life-a"));
    assert.equal(after.reused, false);
    assert.notEqual(after.state.pids["kube-apiserver"], apiserver);
    for (const name of componentNames) {
      const old = before.state.pids[name]!;
      assert.equal(isProcessAlive(old), false, `the old ${name} (pid ${old}) was stopped`);
    }
    assert.ok(lines.some((l) => /cleaning up a sandbox that is not healthy/.test(l)));
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    const paths = sandboxPaths("life-a", options("life-a").env);
    await mkdir(paths.lock);
    await writeFile(join(paths.lock, "pid"), "999999999");
    const sandbox = await sandboxUp(options("life-a"));
    assert.equal(sandbox.reused, true);
  });

  it("stops every process on down and removes its folder", async () => {
    const status = await sandboxStatus(options("life-a"));
    assert.ok(status.state);
    assert.equal(await sandboxDown(options("life-a")), true);
    for (const name of componentNames) {
      assert.equal(isProcessAlive(status.state.pids[name]!), false, `${name} stopped`);
    }
    await assert.rejects(stat(sandboxPaths("life-a", options("life-a").env).dir), { code: "ENOENT" });
    assert.equal(await sandboxDown(options("life-a")), false);
  });
});

async function waitGone(pid: number): Promise<void> {
  await eventually(`pid ${pid} to exit`, () => (isProcessAlive(pid) ? undefined : true), { intervalMs: 50 });
}
