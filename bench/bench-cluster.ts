import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxDown, sandboxUp, type SandboxInfo } from "../src/sandbox/sandbox.ts";
import type { ComponentName } from "../src/sandbox/components.ts";
import { restartSandboxComponent } from "../src/sandbox/restart-component.ts";
import type { KubeObject } from "../src/api/object.ts";
import type { KubeClient } from "../src/kube/client.ts";

/**
 * A private sandbox for one benchmark run, called `name`, in a scratch state folder, so a
 * benchmark never disturbs a developer's or the test suite's sandbox.
 * `restart(component)` restarts one of its components in place; `done()` stops it and removes the
 * folder.
 */
export async function benchCluster(name = "bench"): Promise<{
  sandbox: SandboxInfo;
  scratch: string;
  restart(component: ComponentName): Promise<void>;
  done(): Promise<void>;
}> {
  const scratch = await mkdtemp(join(tmpdir(), "stackwarden-bench-"));
  const options = {
    name,
    env: { ...process.env, STACKWARDEN_STATE_DIR: join(scratch, "state") },
    log: (line: string) => void process.stderr.write(`${line}\n`),
  };
  const sandbox = await sandboxUp(options);
  return {
    sandbox,
    scratch,
    restart: async (component) => {
      await restartSandboxComponent(options, component);
    },
    done: async () => {
      await sandboxDown(options);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Enough KWOK nodes for `pods` pods: the sandbox has three of 250 pods each. Adds nodes like the
 * sandbox's own when `addNodes` (a private sandbox); on a shared one it only says so, leaving its
 * nodes alone.
 */
export async function ensurePodCapacity(
  client: KubeClient,
  pods: number,
  { addNodes }: { addNodes: boolean },
): Promise<void> {
  type Node = KubeObject & { status?: { allocatable?: { pods?: string } } };
  const nodes = (await client.request<{ items: Node[] }>("LIST", "/api/v1/nodes")).items;
  const perNode = Number(nodes[0]?.status?.allocatable?.pods ?? 110);
  const capacity = nodes.reduce((a, node) => a + Number(node.status?.allocatable?.pods ?? 0), 0);
  if (capacity >= pods) return;
  if (!addNodes) {
    process.stderr.write(
      `the cluster fits ${capacity} pods, not ${pods}; some instances will never be Ready\n`,
    );
    return;
  }
  const template = nodes.find((node) => node.metadata.name === "sandbox-node-0") ?? nodes[0]!;
  for (let i = nodes.length; i < Math.ceil(pods / perNode); i++) {
    const name = `sandbox-node-${i}`;
    await client.request("POST", "/api/v1/nodes", {
      body: {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name,
          annotations: template.metadata.annotations,
          labels: { ...template.metadata.labels, "kubernetes.io/hostname": name },
        },
      },
    });
  }
}
