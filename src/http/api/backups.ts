/** The backup routes of game servers: list, make, delete and restore archives of the world volume. */
import {
  Type,
  type Static,
  type TInteger,
  type TObject,
  type TOptional,
  type TString,
} from "@sinclair/typebox";
import { backupMethodChoices } from "../../controlplane/game/backup-method.ts";
import type { BackupService } from "../../controlplane/game/backup-service.ts";
import { backupMethods, backupStatuses } from "../../controlplane/store/backup-store.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse as problem,
  readRoute,
  stackItemProblems,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

/** How many backups to keep (controlplane/game/backup-retention.ts), described for where it is asked. */
export function RetentionSchema(options: {
  description: string;
}): TObject<{ keepLast: TOptional<TInteger>; keepDays: TOptional<TInteger> }> {
  return Type.Object(
    {
      keepLast: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 1000, description: "Keep the newest N completed backups." }),
      ),
      keepDays: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 3650, description: "Keep the backups younger than N days." }),
      ),
    },
    { additionalProperties: false, ...options },
  );
}

/** A backup target's name, as a body names it. */
export function TargetNameSchema(options: { description: string }): TString {
  return Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63, ...options });
}

/** `POST /api/v1/stacks/{id}/backups`. */
export const BackupBody = Type.Object(
  {
    target: Type.Optional(
      TargetNameSchema({
        description:
          "An admin's backup target (GET /api/v1/backup-targets); absent: the claim <stack>-backups.",
      }),
    ),
    method: Type.Optional(
      Type.Union(
        backupMethodChoices.map((m) => Type.Literal(m)),
        {
          description:
            "auto (default): a VolumeSnapshot when no target is named and the cluster has a snapshot class " +
            "for the world volume's driver, else an archive; archive; snapshot (409 when none can be taken).",
        },
      ),
    ),
    retention: Type.Optional(
      RetentionSchema({
        description: "Once this backup is made, delete the older ones that no given rule keeps.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /api/v1/stacks/{id}/backups/{backupId}/restore`. */
export const RestoreBody = Type.Object(
  {
    stopFirst: Type.Optional(
      Type.Boolean({
        description: "A running server: stop it, restore, start it again as one operation (else 409).",
      }),
    ),
  },
  { additionalProperties: false },
);

/** A backup as the API answers it. */
export const BackupSchema = Type.Object({
  id: Type.String(),
  stackId: Type.String(),
  targetClaim: Type.String(),
  archive: Type.String(),
  method: Type.Union(backupMethods.map((m) => Type.Literal(m))),
  snapshot: Type.Union([
    Type.Object({
      name: Type.String(),
      className: Type.String(),
      sourceClaim: Type.String(),
      storageClass: Type.String(),
    }),
    Type.Null(),
  ]),
  snapshotSkipped: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(backupStatuses.map((s) => Type.Literal(s))),
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  completedAt: Type.Union([Type.String(), Type.Null()]),
});

const backups = (ctx: ApiContext): BackupService => {
  if (!ctx.backups) throw new HttpProblem("Unavailable", "this server was started without cluster access");
  return ctx.backups;
};
const stackId = (req: ApiRequest): string => req.params["id"] ?? "";
const backupId = (req: ApiRequest): string => req.params["backupId"] ?? "";

/** Every backup route; all need the operator role. */
export const backupRoutes: readonly RouteSpec[] = [
  readRoute({
    path: "/v1/stacks/{id}/backups",
    summary: "The game server's backups, newest first, with size, creation time and who made them",
    tag: "game",
    role: "operator",
    description: "The backups",
    schema: Type.Object({ items: Type.Array(BackupSchema) }),
    problems: stackItemProblems,
    read: async (req, ctx) => ({ items: await backups(ctx).list(stackId(req)) }),
  }),
  {
    method: "POST",
    path: "/v1/stacks/{id}/backups",
    summary:
      "Starts a backup of the world volume: a VolumeSnapshot, or a Job writing a .tar.gz to a claim or a bucket",
    tag: "game",
    role: "operator",
    body: BackupBody,
    responses: {
      202: { description: "The backup, Running; it becomes Completed or Failed", schema: BackupSchema },
      404: problem("No such stack"),
      409: problem(
        "Another backup or restore of the stack is running, or method snapshot and none can be taken",
      ),
      422: problem(
        "Bad retention or method, an unknown target, a snapshot to a target, or not a game server",
      ),
      503: problem("The cluster could not be asked for a snapshot class"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const body = req.body as Static<typeof BackupBody>;
      return {
        status: 202,
        body: await backups(ctx).create(stackId(req), req.user.name, {
          ...(body.retention ? { retention: body.retention } : {}),
          ...(body.target !== undefined ? { target: body.target } : {}),
          ...(body.method !== undefined ? { method: body.method } : {}),
        }),
      };
    },
  },
  {
    method: "DELETE",
    path: "/v1/stacks/{id}/backups/{backupId}",
    summary: "Deletes a backup's archive (a Job) or VolumeSnapshot, and the backup",
    tag: "game",
    role: "operator",
    responses: {
      204: { description: "Deleted" },
      404: problem("No such stack or backup"),
      409: problem("The backup is being made or restored"),
      503: problem("The archive could not be deleted; the backup is kept"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      await backups(ctx).remove(stackId(req), backupId(req), req.user.name);
      return { status: 204 };
    },
  },
  {
    method: "POST",
    path: "/v1/stacks/{id}/backups/{backupId}/restore",
    summary: "Writes a backup back into the world volume (stop → restore → start with stopFirst)",
    tag: "game",
    role: "operator",
    body: RestoreBody,
    responses: {
      202: { description: "The backup, Restoring; it is Completed again when done", schema: BackupSchema },
      404: problem("No such stack or backup"),
      409: problem("The server is running (and stopFirst was not asked), or another operation runs"),
      422: problem("A bad body, or not a game server"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const body = req.body as Static<typeof RestoreBody>;
      return {
        status: 202,
        body: await backups(ctx).restore(stackId(req), backupId(req), req.user.name, {
          ...(body.stopFirst !== undefined ? { stopFirst: body.stopFirst } : {}),
        }),
      };
    },
  },
];
