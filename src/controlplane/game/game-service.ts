/**
 * What a game-server admin does with a running server, through the
 * Kubernetes API of the stack's cluster: where players connect, the server's
 * log, and its console. Power (stop, start, restart) is desired state and
 * lives with the other stack operations.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { V1Pod } from "@kubernetes/client-node";
import { listNodes, listPods, readPod, readService } from "../../kube/core-reads.ts";
import { isNotFound } from "../../kube/errors.ts";
import { execInPod, podLogLines, PodExecError } from "../../kube/pod-io.ts";
import { selectorLabels } from "../../resources/labels.ts";
import { findTemplate } from "../../templates/registry.ts";
import type { GameSurface } from "../../templates/template.ts";
import { ServiceError } from "../stack-service.ts";
import type { StackRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { ClusterClients } from "./cluster-clients.ts";
import { connectionOf, type Connection } from "./connection.ts";
import { consoleCommandProblems, consoleWords } from "./console-command.ts";

/** What `GET …/logs` asks for. */
export interface LogQuery {
  readonly container?: string;
  readonly tailLines?: number;
  readonly previous?: boolean;
  readonly follow?: boolean;
}

/** One item of a log stream: a line, or a change of the pod being read. */
export type LogItem =
  | { readonly type: "line"; readonly pod: string; readonly text: string }
  | { readonly type: "pod"; readonly pod: string }
  | { readonly type: "waiting"; readonly message: string };

/** What a console command answered: the output when the console replies, null when it shows only in the log. */
export interface ConsoleAnswer {
  readonly command: string;
  readonly output: string | null;
  readonly pod: string;
}

/** How often a followed log looks for the next pod while none runs. */
const podPollMs = 1000;

/** Game-server operations for the stacks of one store. */
export class GameService {
  readonly #store: Store;
  readonly #clusters: ClusterClients;

  constructor(store: Store, clusters: ClusterClients) {
    this.#store = store;
    this.#clusters = clusters;
  }

  /** The API clients of the stacks' clusters (backups run their Jobs through them). */
  get clusters(): ClusterClients {
    return this.#clusters;
  }

  /** Where players connect to the stack, or null when its template is not a game server. */
  async connection(stack: StackRecord): Promise<Connection | null> {
    const game = findTemplate(stack.template)?.game;
    if (!game) return null;
    const client = await this.#clusters.clientFor(stack.cluster);
    const service = await readService(client, stack.namespace, stack.name);
    const needsNodes = service?.spec?.type === "NodePort" || service?.spec?.type === "LoadBalancer";
    return connectionOf(service, needsNodes ? await listNodes(client) : [], game.port);
  }

  /**
   * The server's log. Without `follow`: the last `tailLines` lines (all when
   * absent) of the oldest running pod, or with `previous` its last
   * container's. With `follow`: then every new line, and when the pod is
   * replaced (restart, upgrade, stop and start) it waits for the next one and
   * goes on with it, announcing each pod; until `signal` aborts. Throws
   * NotFound (no stack), Invalid (not a game server) or Conflict (nothing to read).
   */
  async *logs(stackId: string, query: LogQuery, signal: AbortSignal): AsyncGenerator<LogItem> {
    const { stack, game } = await this.#game(stackId);
    const container = query.container ?? game.container;
    let current: string | undefined;
    for (;;) {
      const pod = await this.#runningPod(stack, game);
      if (!pod) {
        if (query.follow !== true)
          throw new ServiceError("Conflict", "the server has no running pod to read");
        if (current !== "") yield { type: "waiting", message: "no pod is running; waiting for one" };
        current = "";
        await delay(podPollMs, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) return;
        continue;
      }
      const name = pod.metadata?.name ?? "";
      const uid = pod.metadata?.uid ?? name;
      const fresh = uid !== current;
      if (fresh) yield { type: "pod", pod: name };
      // A new pod's log from the asked tail; the same pod again (the server closed the stream)
      // from now, so lines are not repeated.
      const tail = fresh ? query.tailLines : 0;
      yield* this.#podLog(
        stack,
        { name, uid, container, ...(tail !== undefined ? { tail } : {}) },
        query,
        signal,
      );
      current = uid;
      if (query.follow !== true || query.previous === true || signal.aborted) return;
    }
  }

  /**
   * Runs a console command in the server's container through `pods/exec`
   * (the template's console command plus the command's words) and records a
   * `ConsoleCommand` event with the actor and the command, never the output.
   * Refusals change nothing: Invalid (bad command, or a template without a
   * console), NotFound, Conflict (no running pod), Unavailable (exec failed).
   */
  async console(stackId: string, body: { command?: unknown }, actor: string): Promise<ConsoleAnswer> {
    const problems = consoleCommandProblems(body.command);
    if (problems.length > 0) throw new ServiceError("Invalid", "the command cannot be sent", { problems });
    const command = (body.command as string).trim();
    const { stack, game } = await this.#game(stackId);
    if (!game.console) {
      throw new ServiceError("Invalid", `the ${stack.template} template offers no console`, {
        problems: [{ path: "/command", message: `${stack.template} has no console` }],
      });
    }
    const pod = await this.#runningPod(stack, game);
    if (!pod) throw new ServiceError("Conflict", "the server has no running pod to send the command to");
    const client = await this.#clusters.clientFor(stack.cluster);
    const name = pod.metadata?.name ?? "";
    let output: string;
    try {
      const result = await execInPod(client, {
        namespace: stack.namespace,
        pod: name,
        container: game.container,
        command: [...game.console.command, ...consoleWords(command)],
        timeoutMs: 15_000,
      });
      if (result.exitCode !== 0) {
        throw new ServiceError("Unavailable", `the console command exited with ${result.exitCode}`);
      }
      output = result.stdout;
    } catch (e: unknown) {
      if (e instanceof PodExecError) throw new ServiceError("Unavailable", e.message, { cause: e });
      throw e;
    }
    await this.#store.stacks.record([
      { stackId, source: "user", type: "ConsoleCommand", actor, data: { command, pod: name } },
    ]);
    return { command, output: game.console.replies ? output.replace(/\n$/, "") : null, pod: name };
  }

  async #game(stackId: string): Promise<{ stack: StackRecord; game: GameSurface }> {
    const stack = await this.#store.stacks.get(stackId);
    if (!stack) throw new ServiceError("NotFound", `no stack with id ${stackId}`);
    const game = findTemplate(stack.template)?.game;
    if (!game) throw new ServiceError("Invalid", `the ${stack.template} template is not a game server`);
    return { stack, game };
  }

  /** One pod's log, as {@link logs} streams it; a followed one ends when the pod goes away. */
  async *#podLog(
    stack: StackRecord,
    pod: { name: string; uid: string; container: string; tail?: number },
    query: LogQuery,
    signal: AbortSignal,
  ): AsyncGenerator<LogItem> {
    const client = await this.#clusters.clientFor(stack.cluster);
    const previous = query.previous === true;
    const follow = query.follow === true && !previous;
    // A followed stream should end when its container does; not every kubelet ends it when the
    // pod is deleted (KWOK does not), so the pod is also checked on a timer.
    const gone = new AbortController();
    const stopChecking = follow ? this.#abortWhenGone(stack, pod, gone, signal) : (): void => undefined;
    const request = {
      namespace: stack.namespace,
      pod: pod.name,
      container: pod.container,
      previous,
      follow,
      ...(pod.tail !== undefined ? { tailLines: pod.tail } : {}),
    };
    try {
      for await (const text of podLogLines(client, request, AbortSignal.any([signal, gone.signal])))
        yield { type: "line", pod: pod.name, text };
    } catch (e: unknown) {
      if (signal.aborted) return;
      if (!follow) throw e;
      if (!gone.signal.aborted && !isNotFound(e))
        await delay(podPollMs, undefined, { signal }).catch(() => undefined);
    } finally {
      stopChecking();
    }
  }

  /**
   * Aborts `gone` once the pod `name` (with `uid`) no longer exists, is being
   * deleted or stopped running; checked every {@link podPollMs}. Returns a
   * function that stops checking.
   */
  #abortWhenGone(
    stack: StackRecord,
    { name, uid }: { name: string; uid: string },
    gone: AbortController,
    signal: AbortSignal,
  ): () => void {
    const timer = setInterval(() => {
      void (async (): Promise<void> => {
        const client = await this.#clusters.clientFor(stack.cluster);
        const pod = await readPod(client, stack.namespace, name);
        const running =
          pod?.metadata?.uid === uid &&
          pod.status?.phase === "Running" &&
          pod.metadata.deletionTimestamp === undefined;
        if (!running) gone.abort();
      })().catch(() => undefined);
    }, podPollMs);
    const stop = (): void => clearInterval(timer);
    signal.addEventListener("abort", stop, { once: true });
    return stop;
  }

  /** The oldest pod of the server that is Running and not being deleted (undefined: none). */
  async runningPod(stack: StackRecord): Promise<V1Pod | undefined> {
    const game = findTemplate(stack.template)?.game;
    return game ? this.#runningPod(stack, game) : undefined;
  }

  /** The oldest pod of the server that is Running and not being deleted. */
  async #runningPod(stack: StackRecord, game: GameSurface): Promise<V1Pod | undefined> {
    const client = await this.#clusters.clientFor(stack.cluster);
    const pods = await listPods(
      client,
      stack.namespace,
      selectorLabels({ stack: stack.name, component: game.component }),
    );
    return pods.find((p) => p.status?.phase === "Running" && p.metadata?.deletionTimestamp === undefined);
  }
}
