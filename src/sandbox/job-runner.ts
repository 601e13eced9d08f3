/**
 * The sandbox's stand-in for the containers of backup Jobs. KWOK runs no
 * container: it moves a Job's pod to Running and then Succeeded by its
 * stages. This runner does what the container would have done, for real, on
 * this machine: for each pod labelled `stackwarden.dev/backup-operation` it
 * runs the container's own command (`sh -c <script>`) with every path under
 * a mounted claim mapped to a local folder standing for that claim
 * (`<volumesDir>/<namespace>/<claim>`), then writes what the kubelet would:
 * the container's terminated state with the script's termination message
 * (and phase Failed when the script failed) into the pod's status.
 *
 * An `emptyDir` volume is a fresh folder in the run's scratch folder, removed
 * after it. An environment variable from a Secret (`secretKeyRef`) is read
 * from the Kubernetes API as the kubelet would, and its value goes to the
 * command's environment only. A missing Secret or key runs nothing: as the
 * kubelet does, the runner leaves the pod Pending with its container
 * waiting (`CreateContainerConfigError` and the kubelet's message), and
 * marks the pod with the fate `create-container-config-error` so that no
 * KWOK stage moves it on.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";

/** The label every backup Job's pod carries (resources/backup-job.ts). */
const operationLabel = "stackwarden.dev/backup-operation";

/** The sandbox's fate annotation (kwok-stages.yaml): a value no stage matches leaves the pod where the runner put it. */
const fateAnnotation = "sandbox.stackwarden.dev/fate";

/** What the kubelet says of a container whose Secret or key is missing (its messages, word for word). */
export function missingSecretMessage(
  namespace: string,
  secret: string,
  key: string,
  secretExists: boolean,
): string {
  return secretExists
    ? `couldn't find key ${key} in Secret ${namespace}/${secret}`
    : `secret "${secret}" not found`;
}

/** The local folder that stands for `claim` in `namespace`. */
export function sandboxClaimDir(volumesDir: string, namespace: string, claim: string): string {
  return join(volumesDir, namespace, claim);
}

/** The key of a Secret's value in the map {@link localEnvironment} is given. */
export const secretValueKey = (secret: string, key: string): string => `${secret}\0${key}`;

/** The Secrets' values a pod's container reads through `secretKeyRef`, as `[secret, key]` pairs. Pure. */
export function secretRefs(pod: V1Pod): Array<readonly [string, string]> {
  return (pod.spec?.containers[0]?.env ?? []).flatMap((e) => {
    const ref = e.valueFrom?.secretKeyRef;
    return ref ? [[ref.name ?? "", ref.key] as const] : [];
  });
}

/** What else {@link localEnvironment} maps: `emptyDir` volumes to folders, and Secrets' values. */
export interface LocalVolumes {
  /** The local folder standing for the `emptyDir` volume `volume`. */
  readonly emptyDir?: (volume: string) => string;
  /** The values `secretKeyRef`s name, by {@link secretValueKey}. */
  readonly secrets?: ReadonlyMap<string, string>;
}

/**
 * The environment the container's command gets, with every value under a
 * claim's (or `emptyDir`'s) mount path moved to its local folder,
 * `/dev/termination-log` to `terminationLog`, and `secretKeyRef`s resolved
 * from `more.secrets` (empty when absent there). Pure.
 */
export function localEnvironment(
  pod: V1Pod,
  claimDir: (claim: string) => string,
  terminationLog: string,
  more: LocalVolumes = {},
): Record<string, string> {
  const container = pod.spec?.containers[0];
  const folders = new Map(
    (pod.spec?.volumes ?? []).flatMap((v) => {
      if (v.persistentVolumeClaim) return [[v.name, claimDir(v.persistentVolumeClaim.claimName)] as const];
      if (v.emptyDir && more.emptyDir) return [[v.name, more.emptyDir(v.name)] as const];
      return [];
    }),
  );
  const mounts = (container?.volumeMounts ?? []).flatMap((m) => {
    const dir = folders.get(m.name);
    return dir === undefined ? [] : [{ path: m.mountPath, dir }];
  });
  const env: Record<string, string> = {};
  for (const e of container?.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      env[e.name] = more.secrets?.get(secretValueKey(ref.name ?? "", ref.key)) ?? "";
      continue;
    }
    let value = e.value ?? "";
    if (value === "/dev/termination-log") value = terminationLog;
    for (const m of mounts)
      if (value === m.path || value.startsWith(`${m.path}/`)) value = m.dir + value.slice(m.path.length);
    env[e.name] = value;
  }
  return env;
}

/** What running a container's command gave. */
interface RunResult {
  readonly exitCode: number;
  readonly message: string;
}

/** Runs backup Jobs' commands in one namespace (or all) of the sandbox until stopped. */
export class SandboxJobRunner {
  readonly #client: KubeClient;
  readonly #volumesDir: string;
  readonly #namespace: string | undefined;
  readonly #pollMs: number;
  readonly #seen = new Set<string>();
  readonly #running = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(client: KubeClient, options: { volumesDir: string; namespace?: string; pollMs?: number }) {
    this.#client = client;
    this.#volumesDir = options.volumesDir;
    this.#namespace = options.namespace;
    this.#pollMs = options.pollMs ?? 200;
  }

  /** The local folder of `claim` (in the runner's namespace when none is given). */
  claimDir(claim: string, namespace = this.#namespace ?? "default"): string {
    return sandboxClaimDir(this.#volumesDir, namespace, claim);
  }

  /** Starts looking for new backup pods every `pollMs`. */
  start(): void {
    this.#loop ??= this.#poll();
  }

  /** Stops looking and waits for the commands already started. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await Promise.all(this.#running);
  }

  async #poll(): Promise<void> {
    const path = this.#namespace
      ? `/api/v1/namespaces/${encodeURIComponent(this.#namespace)}/pods`
      : "/api/v1/pods";
    while (!this.#stop.signal.aborted) {
      const { items } = await this.#client
        .request<{ items: V1Pod[] }>("LIST", path, { query: { labelSelector: operationLabel } })
        .catch(() => ({ items: [] as V1Pod[] }));
      for (const pod of items) {
        const uid = pod.metadata?.uid ?? "";
        if (this.#seen.has(uid) || pod.spec?.nodeName === undefined) continue;
        this.#seen.add(uid);
        const work = this.#handle(pod).catch(() => undefined);
        this.#running.add(work);
        void work.finally(() => this.#running.delete(work));
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#pollMs);
        this.#stop.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  async #handle(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? "default";
    const secrets = await this.#secrets(pod, namespace);
    if (typeof secrets === "string") return this.#leaveWaiting(pod, namespace, secrets);
    const result = await this.#run(pod, namespace, secrets);
    // KWOK finishes the pod by its stage; the kubelet's part (the terminated state) is written after.
    for (;;) {
      const now = await this.#client.request<V1Pod>("GET", podPath(pod, namespace));
      const phase = now.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") break;
      if (this.#stop.signal.aborted) return;
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
    const at = new Date().toISOString();
    const container = pod.spec?.containers[0];
    await this.#client.request("PATCH", `${podPath(pod, namespace)}/status`, {
      contentType: "application/merge-patch+json",
      body: {
        status: {
          phase: result.exitCode === 0 ? "Succeeded" : "Failed",
          containerStatuses: [
            {
              name: container?.name ?? "job",
              image: container?.image ?? "",
              imageID: `sandbox://${container?.image ?? ""}`,
              ready: false,
              restartCount: 0,
              state: {
                terminated: {
                  exitCode: result.exitCode,
                  reason: result.exitCode === 0 ? "Completed" : "Error",
                  message: result.message,
                  startedAt: at,
                  finishedAt: at,
                },
              },
            },
          ],
        },
      },
    });
  }

  /**
   * What the kubelet does with a container whose Secret or key is missing:
   * the pod stays Pending, the container waiting with
   * CreateContainerConfigError. The fate annotation comes first, so that
   * KWOK's stages leave the pod alone from then on.
   */
  async #leaveWaiting(pod: V1Pod, namespace: string, message: string): Promise<void> {
    await this.#client.request("PATCH", podPath(pod, namespace), {
      contentType: "application/merge-patch+json",
      body: { metadata: { annotations: { [fateAnnotation]: "create-container-config-error" } } },
    });
    const now = new Date().toISOString();
    const container = pod.spec?.containers[0];
    const notReady = { status: "False", reason: "ContainersNotReady", lastTransitionTime: now };
    await this.#client.request("PATCH", `${podPath(pod, namespace)}/status`, {
      contentType: "application/merge-patch+json",
      body: {
        status: {
          phase: "Pending",
          conditions: [
            { type: "PodScheduled", status: "True", lastTransitionTime: now },
            { type: "Initialized", status: "True", lastTransitionTime: now },
            { type: "ContainersReady", ...notReady },
            { type: "Ready", ...notReady },
          ],
          containerStatuses: [
            {
              name: container?.name ?? "job",
              image: container?.image ?? "",
              imageID: "",
              ready: false,
              started: false,
              restartCount: 0,
              state: { waiting: { reason: "CreateContainerConfigError", message } },
            },
          ],
        },
      },
    });
  }

  /** The values the pod's `secretKeyRef`s name, or the kubelet's message for the first one missing. */
  async #secrets(pod: V1Pod, namespace: string): Promise<Map<string, string> | string> {
    const secrets = new Map<string, string>();
    for (const [name, key] of secretRefs(pod)) {
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
      const secret = await this.#client.request<V1Secret>("GET", path).catch(() => undefined);
      const data = secret?.data?.[key];
      if (data === undefined) return missingSecretMessage(namespace, name, key, secret !== undefined);
      secrets.set(secretValueKey(name, key), Buffer.from(data, "base64").toString("utf8"));
    }
    return secrets;
  }

  async #run(pod: V1Pod, namespace: string, secrets: ReadonlyMap<string, string>): Promise<RunResult> {
    const scratch = await mkdtemp(join(tmpdir(), "sandbox-job-"));
    try {
      const log = join(scratch, "termination-log");
      const emptyDir = (volume: string): string => join(scratch, "empty-dirs", volume);
      const env = localEnvironment(pod, (claim) => this.claimDir(claim, namespace), log, {
        emptyDir,
        secrets,
      });
      for (const v of pod.spec?.volumes ?? []) {
        if (v.persistentVolumeClaim)
          await mkdir(this.claimDir(v.persistentVolumeClaim.claimName, namespace), { recursive: true });
        if (v.emptyDir) await mkdir(emptyDir(v.name), { recursive: true });
      }
      const command = pod.spec?.containers[0]?.command ?? [];
      const [file, ...args] = command;
      if (file === undefined) return { exitCode: 1, message: "the container has no command" };
      const { exitCode, stderr } = await runCommand(file, args, {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        ...env,
      });
      const message = await readFile(log, "utf8").catch(() => "");
      return { exitCode, message: message !== "" ? message : stderr.slice(-1024) };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

const podPath = (pod: V1Pod, namespace: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod.metadata?.name ?? "")}`;

function runCommand(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ exitCode: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4096)));
    child.on("error", (e) => resolve({ exitCode: 127, stderr: e.message }));
    child.on("close", (code) => resolve({ exitCode: code ?? 1, stderr }));
  });
}
