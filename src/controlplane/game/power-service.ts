/**
 * Stop, start and restart of game servers, as desired state: `power` and
 * `restartedAt` on the stack, written to the Stack's spec, honoured by the
 * templates (Stopped → zero replicas, volumes kept; restartedAt → a pod
 * template annotation that rolls the pods). Drift enforcement then keeps a
 * stopped server stopped.
 */
import { findTemplate } from "../../templates/registry.ts";
import { ServiceError } from "../stack-service.ts";
import type { Power, StackRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import { StoreError } from "../store/errors.ts";
import { consoleCommandProblems } from "./console-command.ts";
import type { GameService } from "./game-service.ts";

/** The three power actions. */
export const powerActions = ["stop", "start", "restart"] as const;
export type PowerAction = (typeof powerActions)[number];

/** What a power action may carry: for a restart, a message broadcast (`say`) first. */
export interface PowerOptions {
  readonly broadcast?: string;
}

const eventType = { stop: "StackStopped", start: "StackStarted", restart: "StackRestarted" } as const;

/**
 * Why `action` cannot run on `stack` now, or undefined when it may. Pure.
 * A power action is still running until the operator has observed its
 * generation; a stopped server cannot be restarted (start it).
 */
export function powerRefusal(stack: StackRecord, action: PowerAction): string | undefined {
  if (stack.desiredState === "Deleted") return `stack ${stack.name} is being deleted`;
  if (stack.powerGeneration !== null && stack.lastAppliedGeneration < stack.powerGeneration) {
    return `a power action (generation ${stack.powerGeneration}) is still running; try again when it is done`;
  }
  if (action === "restart" && stack.power === "Stopped") return "the server is stopped: start it instead";
  return undefined;
}

/** Power actions for the stacks of one store; `notify` is called after each change. */
export class PowerService {
  readonly #store: Store;
  readonly #notify: (stackId: string) => void;
  readonly #game: GameService | undefined;
  readonly #now: () => Date;

  constructor(
    store: Store,
    notify: (stackId: string) => void,
    game: GameService | undefined,
    now: () => Date = () => new Date(),
  ) {
    this.#store = store;
    this.#notify = notify;
    this.#game = game;
    this.#now = now;
  }

  /**
   * Runs one power action as a desired change with its event (StackStopped,
   * StackStarted, StackRestarted) and the actor. Stop of a stopped and start
   * of a running server change nothing and answer the stack. Refusals change
   * nothing: NotFound, Invalid (not a game server, bad broadcast), Conflict
   * (another power action still running, restart while stopped, deleting),
   * Unavailable (the broadcast could not be sent).
   */
  async run(
    id: string,
    action: PowerAction,
    actor: string,
    options: PowerOptions = {},
  ): Promise<StackRecord> {
    const stack = await this.#store.stacks.get(id);
    if (!stack) throw new ServiceError("NotFound", `no stack with id ${id}`);
    if (!findTemplate(stack.template)?.game) {
      throw new ServiceError("Invalid", `the ${stack.template} template is not a game server`);
    }
    const broadcast = options.broadcast === undefined ? undefined : `say ${options.broadcast}`;
    if (broadcast !== undefined) {
      const problems = consoleCommandProblems(broadcast).map((p) => ({ ...p, path: "/broadcast" }));
      if (action !== "restart") problems.push({ path: "/broadcast", message: "only a restart broadcasts" });
      if (problems.length > 0)
        throw new ServiceError("Invalid", "the broadcast cannot be sent", { problems });
    }
    const refusal = powerRefusal(stack, action);
    if (refusal !== undefined) throw new ServiceError("Conflict", refusal);
    const power: Power = action === "stop" ? "Stopped" : "Running";
    if (action !== "restart" && stack.power === power) return stack;
    if (broadcast !== undefined) {
      if (!this.#game)
        throw new ServiceError("Unavailable", "this server has no cluster access to broadcast");
      await this.#game.console(id, { command: broadcast }, actor);
    }
    const restartedAt = action === "restart" ? this.#now().toISOString() : undefined;
    try {
      const { stack: changed } = await this.#store.stacks.change(id, {
        actor,
        source: "user",
        type: eventType[action],
        // The generation read: a second action racing this one is refused as stale.
        expectedGeneration: stack.generation,
        power: { power, ...(restartedAt !== undefined ? { restartedAt } : {}) },
        data: {
          power,
          ...(restartedAt !== undefined ? { restartedAt } : {}),
          ...(options.broadcast !== undefined ? { broadcast: options.broadcast } : {}),
        },
      });
      this.#notify(id);
      return changed;
    } catch (e: unknown) {
      if (e instanceof StoreError && e.code === "StaleGeneration") {
        throw new ServiceError(
          "Conflict",
          "the stack changed while the power action was asked; read it again",
        );
      }
      throw e;
    }
  }
}
