/**
 * The test harness for everything that talks to Kubernetes.
 *
 * Integration tests share one cluster per test run: the sandbox called `test`
 * (started once by `npm test`, or on first use here), or any cluster named by
 * `STACKWARDEN_TEST_KUBECONFIG`. Each test file gets its own namespace, removed
 * after the file's tests.
 */
import { after } from "node:test";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { sandboxUp } from "../sandbox/sandbox.ts";
import { ensureSandboxBinary } from "../sandbox/binary.ts";

/** The name of the sandbox the test suite uses; a developer's `default` one is left alone. */
export const testSandboxName = "test";

let kubeconfigPath: Promise<string> | undefined;

/**
 * The kubeconfig of the test cluster: `STACKWARDEN_TEST_KUBECONFIG` when set,
 * else the `test` sandbox, started if it is not running yet.
 */
export function testKubeconfig(): Promise<string> {
  kubeconfigPath ??= (async () => {
    const given = process.env.STACKWARDEN_TEST_KUBECONFIG;
    if (given) return given;
    const sandbox = await sandboxUp({
      name: testSandboxName,
      env: process.env,
      log: (line) => void process.stderr.write(`${line}\n`),
    });
    return sandbox.kubeconfig;
  })();
  return kubeconfigPath;
}

/** A namespace of one's own on the test cluster, and a client configuration for it. */
export interface TestNamespace {
  readonly kubeconfig: string;
  readonly kc: KubeConfig;
  readonly namespace: string;
}

/**
 * Creates a fresh namespace for the calling test file, named after `label`,
 * and deletes it (with everything in it) when the file's tests are done.
 * Call it at the top level of the test file (top-level await), so that the
 * clean-up hook belongs to the file and not to one suite.
 */
export async function useTestNamespace(label: string): Promise<TestNamespace> {
  const kubeconfig = await testKubeconfig();
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 40)
    .replace(/^-|-$/g, "");
  const namespace = `sw-${slug}-${randomBytes(3).toString("hex")}`;
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { "stackwarden.dev/test": "true" } } },
  });
  after(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });
  return { kubeconfig, kc, namespace };
}

/** Runs the bundled kubectl against the test cluster and returns what it printed. */
export async function testKubectl(
  args: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  const kubeconfig = await testKubeconfig();
  const binary = await ensureSandboxBinary({ env: process.env, progress: () => undefined });
  const result = spawnSync(binary, ["kubectl", `--kubeconfig=${kubeconfig}`, ...args], { encoding: "utf8" });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A copy of `kc` whose API server address points at `127.0.0.1:port`, e.g. a
 * `TcpProxy` in front of the real one. TLS still verifies: the serving
 * certificate is for 127.0.0.1 whatever the port.
 */
export function kubeConfigVia(kc: KubeConfig, port: number): KubeConfig {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const context = kc.getContextObject(kc.getCurrentContext());
  if (!cluster || !user || !context) throw new Error("the test kubeconfig has no current context");
  const url = new URL(cluster.server);
  url.port = String(port);
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: [{ ...cluster, server: url.origin }],
    users: [user],
    contexts: [context],
    currentContext: context.name,
  });
  return copy;
}

/**
 * A short account of a namespace for a failed wait: pods with phase, node
 * and readiness, claims with phase, and the latest events.
 */
export async function describeNamespace(kc: KubeConfig, namespace: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const [pods, claims, events] = await Promise.all([
    core.listNamespacedPod({ namespace }),
    core.listNamespacedPersistentVolumeClaim({ namespace }),
    core.listNamespacedEvent({ namespace }),
  ]);
  const lines = [
    ...pods.items.map((p) => {
      const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "?";
      const scheduled = p.status?.conditions?.find((c) => c.type === "PodScheduled");
      return `pod ${p.metadata?.name}: ${p.status?.phase} node=${p.spec?.nodeName ?? "-"} ready=${ready} scheduled=${scheduled?.status ?? "?"} ${scheduled?.message ?? ""}`;
    }),
    ...claims.items.map(
      (c) => `pvc ${c.metadata?.name}: ${c.status?.phase} volume=${c.spec?.volumeName ?? "-"}`,
    ),
    ...events.items
      .slice(-15)
      .map((e) => `event ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message ?? ""}`),
  ];
  return lines.join("\n");
}
