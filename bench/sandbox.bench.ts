/**
 * Sandbox benchmark: prints figures, asserts nothing.
 *
 *   npm run bench:sandbox                   warm `sandbox up` and Deployment-to-Available times
 *   npm run bench:sandbox -- --cold         also a cold build (empty Go build cache and binary cache)
 *   npm run bench:sandbox -- --cold-modules a cold build with an empty Go module cache too (downloads ~1 GB)
 *   npm run bench:sandbox -- --runs 5
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { ensureSandboxBinary } from "../src/sandbox/binary.ts";
import { sandboxDown, sandboxUp } from "../src/sandbox/sandbox.ts";

const { values } = parseArgs({
  options: {
    cold: { type: "boolean", default: false },
    "cold-modules": { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
  },
});
const runs = Number(values.runs);
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const scratch = await mkdtemp(join(tmpdir(), "stackwarden-bench-"));

try {
  if (values.cold || values["cold-modules"]) {
    const env = { ...process.env, STACKWARDEN_CACHE_DIR: join(scratch, "cache") };
    process.env.GOCACHE = join(scratch, "gocache");
    if (values["cold-modules"]) process.env.GOMODCACHE = join(scratch, "gomodcache");
    const started = Date.now();
    await ensureSandboxBinary({ env, progress: (line) => void process.stderr.write(`${line}\n`) });
    console.log(
      `cold build${values["cold-modules"] ? " (with module downloads)" : ""}: ${seconds(Date.now() - started)} s`,
    );
    delete process.env.GOCACHE;
    delete process.env.GOMODCACHE;
  }

  const env = { ...process.env, STACKWARDEN_STATE_DIR: join(scratch, "state") };
  const options = { name: "bench", env, log: () => undefined };
  await ensureSandboxBinary({ env, progress: (line) => void process.stderr.write(`${line}\n`) });

  const ups: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    await sandboxUp(options);
    ups.push(Date.now() - started);
    if (i < runs - 1) await sandboxDown(options);
  }
  console.log(
    `warm sandbox up: ${ups.map(seconds).join(" ")} s (median ${seconds(median(ups))} s, aim < 20 s)`,
  );

  const sandbox = await sandboxUp(options);
  const kc = new KubeConfig();
  kc.loadFromFile(sandbox.kubeconfig);
  const apps = kc.makeApiClient(AppsV1Api);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "bench" } } });
  const available: number[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `web-${i}`;
    const started = Date.now();
    await apps.createNamespacedDeployment({
      namespace: "bench",
      body: {
        metadata: { name },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
          },
        },
      },
    });
    for (;;) {
      const d = await apps.readNamespacedDeployment({ name, namespace: "bench" });
      if (
        d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True") &&
        d.status.availableReplicas === 3
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    available.push(Date.now() - started);
  }
  console.log(
    `3-replica Deployment created → Available: ${available.map(seconds).join(" ")} s (median ${seconds(median(available))} s)`,
  );
} finally {
  await sandboxDown({
    name: "bench",
    env: { ...process.env, STACKWARDEN_STATE_DIR: join(scratch, "state") },
    log: () => undefined,
  });
  await rm(scratch, { recursive: true, force: true });
}
