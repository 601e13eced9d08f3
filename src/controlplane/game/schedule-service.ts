/** Creating, listing and deleting the cron schedules of game servers, with their checks and events. */
import { findTemplate } from "../../templates/registry.ts";
import { ServiceError } from "../stack-service.ts";
import type { ScheduleRecord } from "../store/schedule-store.ts";
import type { StackRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import { scheduleProblems, type ScheduleSpec } from "./schedule-plan.ts";

/** Schedules for the stacks of one store. */
export class ScheduleService {
  readonly #store: Store;
  readonly #now: () => Date;

  constructor(store: Store, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  /** The stack's schedules, oldest first. NotFound, Invalid (not a game server). */
  async list(stackId: string): Promise<ScheduleRecord[]> {
    await this.#stack(stackId);
    return this.#store.schedules.list(stackId);
  }

  /**
   * Adds a schedule whose first run is the first due time after now, with a
   * ScheduleCreated event. Invalid, naming each bad field, changes nothing.
   */
  async create(stackId: string, spec: ScheduleSpec, actor: string): Promise<ScheduleRecord> {
    const stack = await this.#stack(stackId);
    const problems = scheduleProblems(spec);
    if (problems.length > 0) throw new ServiceError("Invalid", "the schedule is not valid", { problems });
    if (spec.action === "command" && !findTemplate(stack.template)?.game?.console) {
      throw new ServiceError("Invalid", `the ${stack.template} template offers no console`, {
        problems: [{ path: "/action", message: `${stack.template} has no console for a command` }],
      });
    }
    // Every target is open to operators (they list them), and only an operator makes a schedule.
    if (spec.target !== undefined && !(await this.#store.backupTargets.get(spec.target))) {
      throw new ServiceError("Invalid", `no backup target named ${spec.target}`, {
        problems: [{ path: "/target", message: `no backup target named ${JSON.stringify(spec.target)}` }],
      });
    }
    return this.#store.schedules.create(
      {
        stackId,
        cron: spec.cron.trim().split(/\s+/).join(" "),
        timeZone: spec.timeZone,
        action: spec.action,
        command: spec.command?.trim() ?? null,
        missed: spec.missed ?? "skip",
        target: spec.target ?? null,
        retention: spec.retention ?? null,
        createdBy: actor,
      },
      this.#now(),
      (s) => ({
        stackId,
        source: "user",
        type: "ScheduleCreated",
        actor,
        data: {
          scheduleId: s.id,
          cron: s.cron,
          timeZone: s.timeZone,
          action: s.action,
          missed: s.missed,
          ...(s.target !== null ? { target: s.target } : {}),
          ...(s.retention !== null ? { retention: s.retention } : {}),
        },
      }),
    );
  }

  /** Deletes a schedule; NotFound when the stack has none of that id. */
  async remove(stackId: string, scheduleId: string, actor: string): Promise<void> {
    await this.#stack(stackId);
    const removed = await this.#store.schedules.remove(stackId, scheduleId, {
      stackId,
      source: "user",
      type: "ScheduleDeleted",
      actor,
      data: { scheduleId },
    });
    if (!removed) throw new ServiceError("NotFound", `stack ${stackId} has no schedule ${scheduleId}`);
  }

  async #stack(stackId: string): Promise<StackRecord> {
    const stack = await this.#store.stacks.get(stackId);
    if (!stack) throw new ServiceError("NotFound", `no stack with id ${stackId}`);
    if (!findTemplate(stack.template)?.game)
      throw new ServiceError("Invalid", `the ${stack.template} template is not a game server`);
    return stack;
  }
}
