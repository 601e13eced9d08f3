/**
 * The Dockerfile's image really starts: built with podman on a locally built
 * base (see image.ts), run as a non-root user with a read-only root filesystem
 * on the host's network, the operator in it (started as its Deployment starts it)
 * answers /healthz and /readyz, leads through a Lease on the sandbox and makes a
 * stack Ready, and the control plane in it answers too.
 * Prints the base image's build time (when built) and the image's size.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, chown, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { stackResourceType, type Stack } from "../api/stack.ts";
import { KubeClient } from "../kube/client.ts";
import { ResourceTypes, resourcePath } from "../kube/resource-type.ts";
import { installCrds } from "../operator/install-crds.ts";
import { operatorCommand } from "../operator/manifests.ts";
import { freePorts } from "../sandbox/ports.ts";
import { useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { buildImage, ensureBaseImage, run } from "./image.ts";

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const ns = await useTestNamespace("image");
// The operator is ready once its caches list, which needs the CRDs: they come first, as the manifests
// install them, rather than from whichever test file happened to start an operator before this one.
const admin = new KubeClient(ns.kc);
await installCrds(admin, new ResourceTypes());
admin.close();
const work = await mkdtemp(join(tmpdir(), "stackwarden-image-"));
const containers: string[] = [];
after(async () => {
  for (const name of containers) await run("podman", ["rm", "--force", name]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

const uid = 65532;
/** The sandbox's kubeconfig, readable by the image's user only. */
async function kubeconfigForImage(): Promise<string> {
  const path = join(work, "kubeconfig");
  await copyFile(ns.kubeconfig, path);
  await chown(path, uid, uid);
  await chmod(path, 0o600);
  return path;
}

/**
 * Starts the image detached, locked down as a cluster would run it, with `entrypoint` in place of the
 * image's when given (as a Deployment's `command`); returns the container's name.
 */
async function start(
  image: string,
  kubeconfig: string,
  args: readonly string[],
  entrypoint?: readonly string[],
): Promise<string> {
  const name = `stackwarden-image-${randomBytes(3).toString("hex")}`;
  containers.push(name);
  await run("podman", [
    "run",
    "--detach",
    "--name",
    name,
    "--user",
    `${uid}:${uid}`,
    "--read-only",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--network=host",
    "--tmpfs",
    "/tmp",
    "--volume",
    `${kubeconfig}:/etc/stackwarden/kubeconfig:ro`,
    ...(entrypoint ? [`--entrypoint=${JSON.stringify(entrypoint)}`] : []),
    image,
    ...args,
    "--kubeconfig=/etc/stackwarden/kubeconfig",
  ]);
  return name;
}

async function answers(url: string): Promise<true | undefined> {
  const response = await fetch(url).catch(() => undefined);
  return response?.status === 200 ? true : undefined;
}

describe("the image", () => {
  it("builds, and runs the operator and the control plane (with its web UI) as non-root on a read-only root", async () => {
    const started = Date.now();
    const base = await ensureBaseImage(log);
    log(`base image ${base} ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const image = "localhost/stackwarden:test";
    const size = await buildImage(base, image);
    log(`image ${image}: ${(size / 1e6).toFixed(0)} MB (base ${base})`);

    // The image runs the bundle (scripts/bundle.ts), not the TypeScript sources, which it does not
    // hold; Node's compile cache is filled at build time (Dockerfile): a start on the read-only root,
    // as the image's user and with its entrypoint's flags, takes the bundle's V8 code from it instead
    // of compiling it again.
    // The operator's Deployment starts the bundle in V8's lite mode (operatorCommand), which has a
    // cache of its own.
    for (const command of [["node", "--liftoff-only", "dist/main.js"], operatorCommand]) {
      const cacheLog = await run("podman", [
        "run",
        "--rm",
        "--user",
        `${uid}:${uid}`,
        "--read-only",
        "--env",
        "NODE_DEBUG_NATIVE=COMPILE_CACHE",
        "--entrypoint",
        "sh",
        image,
        "-c",
        `test ! -e src && ${command.join(" ")} version 2>&1 >/dev/null`,
      ]);
      assert.match(cacheLog, /V8 code cache for ESM \S+dist\/main\.js was accepted/, command.join(" "));
      assert.doesNotMatch(cacheLog, /StrippedTypeScript/);
    }

    const kubeconfig = await kubeconfigForImage();
    const [metrics, probes, http] = await freePorts(3);
    // As its Deployment starts it.
    const operator = await start(
      image,
      kubeconfig,
      [
        "operator",
        `--namespaces=${ns.namespace}`,
        "--leader-elect",
        `--leader-election-namespace=${ns.namespace}`,
        `--metrics-bind-address=127.0.0.1:${metrics}`,
        `--health-probe-bind-address=127.0.0.1:${probes}`,
      ],
      operatorCommand,
    );
    const logs = async (name: string): Promise<string> =>
      run("podman", ["logs", "--tail", "30", name]).catch((e: unknown) => String(e));
    const explain = { timeoutMs: 120_000, explain: () => logs(operator) };
    await eventually("the operator's /healthz", () => answers(`http://127.0.0.1:${probes}/healthz`), explain);
    // Ready means every cache listed from the sandbox's API server: the image reached it.
    await eventually("the operator's /readyz", () => answers(`http://127.0.0.1:${probes}/readyz`), explain);
    const leases = ns.kc.makeApiClient(CoordinationV1Api);
    const lease = await eventually(
      "the operator in the image to hold its Lease on the sandbox",
      async () => {
        const l = await leases.readNamespacedLease({ name: "stackwarden-operator", namespace: ns.namespace });
        return l.spec?.holderIdentity ? l : undefined;
      },
      explain,
    );
    assert.ok(lease.spec?.holderIdentity);
    assert.equal((await run("podman", ["exec", operator, "id", "-u"])).trim(), String(uid));
    await assert.rejects(run("podman", ["exec", operator, "touch", "/app/written"]), /Read-only file system/);
    // Started as its Deployment starts it (V8's lite mode, no WebAssembly), it reconciles a stack.
    const kube = new KubeClient(ns.kc);
    try {
      await kube.request("POST", resourcePath(stackResourceType, ns.namespace), {
        body: {
          apiVersion: "stackwarden.dev/v1alpha1",
          kind: "Stack",
          metadata: { name: "image" },
          spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
        },
      });
      await eventually(
        "the operator in the image to make a stack Ready",
        async () =>
          (await kube.request<Stack>("GET", resourcePath(stackResourceType, ns.namespace, "image"))).status
            ?.phase === "Ready"
            ? true
            : undefined,
        explain,
      );
    } finally {
      kube.close();
    }

    const server = await start(image, kubeconfig, [
      "server",
      `--listen=127.0.0.1:${http}`,
      "--data-dir=/tmp/stackwarden",
    ]);
    const serverExplain = { timeoutMs: 120_000, explain: () => logs(server) };
    await eventually(
      "the control plane's /healthz",
      () => answers(`http://127.0.0.1:${http}/healthz`),
      serverExplain,
    );
    await eventually(
      "the control plane's /readyz",
      () => answers(`http://127.0.0.1:${http}/readyz`),
      serverExplain,
    );
    // The web UI is built into the image (the Dockerfile's build stage), and served at /.
    const page = await fetch(`http://127.0.0.1:${http}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<div id="root"><\/div>/);
    assert.match(html, /<script type="module"[^>]*src="\/assets\/[^"]+\.js"/);
    assert.doesNotMatch(await logs(server), /web UI is (not built|older than its sources)/);
  });
});
