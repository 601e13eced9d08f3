import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { testKubeconfig, useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { KubeClient } from "./client.ts";
import { KubeApiError } from "./errors.ts";
import { loadKubeAccess, PlainKubeAccess } from "./kubeconfig.ts";
import { execInPod, podLogLines, PodExecError } from "./pod-io.ts";

// The sandbox serves pods/log of a "server" container from the stand-in game log, and runs
// pods/exec as the stand-in rcon-cli (docs/sandbox.md, "Logs and exec").
const { kc, namespace } = await useTestNamespace("pod-io");
const core = kc.makeApiClient(CoreV1Api);
const client = new KubeClient(kc);
const pod = "game";

await core.createNamespacedPod({
  namespace,
  body: {
    metadata: { name: pod },
    spec: { containers: [{ name: "server", image: "itzg/minecraft-server" }] },
  },
});
await eventually("the pod to run", async () => {
  const p = await core.readNamespacedPod({ name: pod, namespace });
  return p.status?.phase === "Running" ? true : undefined;
});

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe("pod logs and exec on the sandbox", () => {
  it("reads the last lines, and the previous container's log", async () => {
    const signal = AbortSignal.timeout(30_000);
    const tail = await collect(
      podLogLines(client, { namespace, pod, container: "server", tailLines: 1 }, signal),
    );
    assert.equal(tail.length, 1);
    const previous = await collect(podLogLines(client, { namespace, pod, previous: true }, signal));
    assert.ok(
      previous.some((l) => l.includes("OutOfMemoryError")),
      previous.join("\n"),
    );
  });

  it("runs rcon-cli in the container, and what it says reaches a followed log", async () => {
    const word = `hello-${randomBytes(4).toString("hex")}`;
    const abort = new AbortController();
    const lines = podLogLines(
      client,
      { namespace, pod, container: "server", tailLines: 0, follow: true },
      abort.signal,
    );
    const seen = (async () => {
      for await (const line of lines) if (line.includes(word)) return line;
      return undefined;
    })();
    // The follow stream is open once the server answered; say until the line shows (a say
    // before the stream attached would be missed by tailLines=0).
    let found: string | undefined;
    void seen.then((l) => (found = l));
    await eventually(
      "the said line on the followed log",
      async () => {
        const r = await execInPod(client, {
          namespace,
          pod,
          container: "server",
          command: ["rcon-cli", "say", word],
        });
        assert.equal(r.exitCode, 0);
        await new Promise((resolve) => setImmediate(resolve));
        return found;
      },
      { intervalMs: 500 },
    );
    abort.abort();
    assert.match(found ?? "", new RegExp(`\\[Rcon\\] ${word}$`));

    const list = await execInPod(client, {
      namespace,
      pod,
      container: "server",
      command: ["rcon-cli", "list"],
    });
    assert.deepEqual(list, {
      stdout: "There are 2 of a max of 20 players online: Alex, Steve\n",
      stderr: "",
      exitCode: 0,
    });
  });

  it("execs through the light kubeconfig reader too, as up and the control plane do", async () => {
    const access = await loadKubeAccess(await testKubeconfig());
    assert.ok(access instanceof PlainKubeAccess);
    const light = new KubeClient(access);
    try {
      const list = await execInPod(light, {
        namespace,
        pod,
        container: "server",
        command: ["rcon-cli", "list"],
      });
      assert.equal(list.exitCode, 0);
      assert.match(list.stdout, /players online/);
    } finally {
      light.close();
    }
  });

  it("rejects a command that fails or cannot run", async () => {
    // A real kubelet reports a non-zero exit as NonZeroExitCode (an exit code in the result);
    // KWOK reports it as an internal error, so on the sandbox both are a PodExecError.
    await assert.rejects(
      execInPod(client, { namespace, pod, container: "server", command: ["rcon-cli"] }),
      PodExecError,
    );
    await assert.rejects(
      execInPod(client, {
        namespace,
        pod: "no-such-pod",
        container: "server",
        command: ["rcon-cli", "list"],
      }),
      PodExecError,
    );
  });

  it("answers 404 for the log of a pod that does not exist", async () => {
    await assert.rejects(
      collect(podLogLines(client, { namespace, pod: "no-such-pod" }, AbortSignal.timeout(10_000))),
      (e: unknown) => e instanceof KubeApiError && e.status === 404,
    );
  });
});
