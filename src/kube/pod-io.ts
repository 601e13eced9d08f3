import { Writable } from "node:stream";
import type { V1Status } from "@kubernetes/client-node";
import type { KubeClient } from "./client.ts";
import { KubeNetworkError } from "./errors.ts";
import { clientNodeConfig } from "./kubeconfig.ts";

/** Which log of which container, as `pods/log` takes it. */
export interface PodLogRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string;
  readonly tailLines?: number;
  readonly previous?: boolean;
  readonly follow?: boolean;
}

/**
 * A pod's log through `pods/log`, line by line: the last `tailLines` lines
 * (all when absent), then, with `follow`, each new line as the container
 * writes it, until the container ends, the server closes the stream or
 * `signal` aborts. A missing pod or container throws a `KubeApiError` (404,
 * 400) before the first line.
 */
export function podLogLines(
  client: KubeClient,
  req: PodLogRequest,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const path = `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/log`;
  return client.streamLines(
    path,
    {
      container: req.container,
      tailLines: req.tailLines,
      previous: req.previous === true ? true : undefined,
      follow: req.follow === true ? true : undefined,
    },
    signal,
  );
}

/** A command to run in a container through `pods/exec`, with no stdin and no TTY. */
export interface PodExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  /** Gives up (and closes the connection) after this long; defaults to 30 s. */
  readonly timeoutMs?: number;
}

/** What a command run by {@link execInPod} printed, and how it ended. */
export interface PodExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** 0 on success; the command's exit code, or -1 when the server reported a failure without one. */
  readonly exitCode: number;
}

/** A command that could not be run, or did not finish in time. */
export class PodExecError extends Error {
  override readonly name = "PodExecError";
}

/**
 * Runs a command in a container through `pods/exec` (the websocket
 * protocol, with the same credentials as `client`) and returns its output and
 * exit code once it ends. Rejects with {@link PodExecError} when the server
 * refuses the exec (no such pod or container, no permission) or the command
 * does not end within the timeout.
 */
export async function execInPod(client: KubeClient, req: PodExecRequest): Promise<PodExecResult> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done): void {
        append(chunk.toString("utf8"));
        done();
      },
    });
  // Exec speaks websockets through client-node, imported only when a person first execs.
  const [{ Exec }, kc] = await Promise.all([
    import("@kubernetes/client-node"),
    clientNodeConfig(client.kubeConfig),
  ]);
  const exec = new Exec(kc);
  return new Promise<PodExecResult>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: PodExecResult | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish(
          new PodExecError(
            `exec in ${req.namespace}/${req.pod} did not end within ${req.timeoutMs ?? 30_000} ms`,
          ),
        ),
      req.timeoutMs ?? 30_000,
    );
    const onStatus = (status: V1Status): void => {
      const exitCode = status.status === "Success" ? 0 : exitCodeOf(status);
      if (exitCode === undefined) finish(new PodExecError(status.message ?? "exec failed"));
      else finish({ stdout, stderr, exitCode });
    };
    exec
      .exec(
        req.namespace,
        req.pod,
        req.container,
        [...req.command],
        sink((s) => (stdout += s)),
        sink((s) => (stderr += s)),
        null,
        false,
        onStatus,
      )
      .then((socket: unknown) => {
        const ws = socket as ExecSocket;
        ws.on("close", () =>
          finish(new PodExecError(`exec in ${req.namespace}/${req.pod} closed without a status`)),
        );
        ws.on("error", (e: unknown) => finish(new KubeNetworkError("EXEC", req.pod, e)));
        if (settled) ws.close();
      })
      .catch((e: unknown) =>
        finish(new PodExecError(`exec in ${req.namespace}/${req.pod} refused: ${String(e)}`)),
      );
  });
}

/** The part of the `ws` WebSocket that `Exec` returns which is used here (`ws` ships no types). */
interface ExecSocket {
  on(event: "close" | "error", listener: (e: unknown) => void): void;
  close(): void;
}

/** The exit code a failed exec's Status carries (`NonZeroExitCode`), or undefined when it was refused. */
function exitCodeOf(status: V1Status): number | undefined {
  if (status.reason !== "NonZeroExitCode") return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : -1;
}
