/** The schedule routes of game servers: cron schedules of restarts, backups and console commands. */
import { Type, type Static } from "@sinclair/typebox";
import { missedPolicies, scheduleActions } from "../../controlplane/game/schedule-plan.ts";
import { maxConsoleCommandBytes } from "../../controlplane/game/console-command.ts";
import { RetentionSchema, TargetNameSchema } from "./backups.ts";
import {
  problemResponse as problem,
  readRoute,
  stackItemProblems,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** `POST /api/v1/stacks/{id}/schedules`. */
export const ScheduleBody = Type.Object(
  {
    cron: Type.String({ minLength: 1, maxLength: 200, description: 'Five fields, e.g. "0 4 * * *".' }),
    timeZone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'An IANA zone, e.g. "Europe/Berlin".',
    }),
    action: literals(scheduleActions),
    command: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: maxConsoleCommandBytes,
        description: "For action command only.",
      }),
    ),
    missed: Type.Optional(literals(missedPolicies)),
    target: Type.Optional(
      TargetNameSchema({
        description: "For action backup only: an admin's backup target; absent: the claim <stack>-backups.",
      }),
    ),
    retention: Type.Optional(
      RetentionSchema({
        description:
          "For action backup only: after each scheduled backup, delete the older ones no rule keeps.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** A schedule as the API answers it. */
export const ScheduleSchema = Type.Object({
  id: Type.String(),
  stackId: Type.String(),
  cron: Type.String(),
  timeZone: Type.String(),
  action: literals(scheduleActions),
  command: Type.Union([Type.String(), Type.Null()]),
  missed: literals(missedPolicies),
  target: Type.Union([Type.String(), Type.Null()]),
  retention: Type.Union([
    RetentionSchema({ description: "Applied after each scheduled backup." }),
    Type.Null(),
  ]),
  nextFrom: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

const stackId = (req: ApiRequest): string => req.params["id"] ?? "";

/** Every schedule route; all need the operator role. */
export const scheduleRoutes: readonly RouteSpec[] = [
  readRoute({
    path: "/v1/stacks/{id}/schedules",
    summary: "The game server's schedules",
    tag: "game",
    role: "operator",
    description: "The schedules",
    schema: Type.Object({ items: Type.Array(ScheduleSchema) }),
    problems: stackItemProblems,
    read: async (req, ctx) => ({ items: await ctx.schedules.list(stackId(req)) }),
  }),
  {
    method: "POST",
    path: "/v1/stacks/{id}/schedules",
    summary: "Adds a cron schedule: restart, backup or a console command, in its own time zone",
    tag: "game",
    role: "operator",
    body: ScheduleBody,
    responses: {
      201: { description: "The schedule", schema: ScheduleSchema },
      404: problem("No such stack"),
      422: problem("A bad cron, time zone, action, command, target or retention (the field is named)"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => ({
      status: 201,
      body: await ctx.schedules.create(stackId(req), req.body as Static<typeof ScheduleBody>, req.user.name),
    }),
  },
  {
    method: "DELETE",
    path: "/v1/stacks/{id}/schedules/{scheduleId}",
    summary: "Deletes a schedule",
    tag: "game",
    role: "operator",
    responses: { 204: { description: "Deleted" }, 404: problem("No such stack or schedule") },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      await ctx.schedules.remove(stackId(req), req.params["scheduleId"] ?? "", req.user.name);
      return { status: 204 };
    },
  },
];
