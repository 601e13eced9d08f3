/** Backup targets: named claims admins keep, that operators' backups may name. */
import { Type, type Static } from "@sinclair/typebox";
import { StoreError } from "../../controlplane/store/errors.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse as problem,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

const dnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

/** `POST /api/v1/backup-targets`. */
export const BackupTargetBody = Type.Object(
  {
    name: Type.String({ pattern: dnsLabel, maxLength: 63 }),
    claim: Type.String({
      pattern: dnsLabel,
      maxLength: 63,
      description: "The PersistentVolumeClaim, in each stack's own namespace, archives are written to.",
    }),
    storage: Type.Optional(
      Type.String({
        pattern: "^[1-9][0-9]{0,5}(Mi|Gi|Ti)$",
        description: "What the claim asks for when the control plane makes it (default 10Gi).",
      }),
    ),
  },
  { additionalProperties: false },
);

const TargetSchema = Type.Object({
  name: Type.String(),
  claim: Type.String(),
  storage: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

/** The backup target routes: operators read them, admins add and remove them. */
export const backupTargetRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/backup-targets",
    summary: "The backup targets a backup may name",
    tag: "game",
    role: "operator",
    responses: {
      200: { description: "The targets", schema: Type.Object({ items: Type.Array(TargetSchema) }) },
    },
    handler: async (_req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => ({
      status: 200,
      body: { items: await ctx.store.backupTargets.list() },
    }),
  },
  {
    method: "POST",
    path: "/v1/backup-targets",
    summary: "Adds a backup target: a claim in each stack's namespace",
    tag: "game",
    role: "admin",
    body: BackupTargetBody,
    responses: {
      201: { description: "The target", schema: TargetSchema },
      409: problem("A target of that name exists"),
      422: problem("A bad name, claim or storage (the field is named)"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const body = req.body as Static<typeof BackupTargetBody>;
      const target = {
        name: body.name,
        claim: body.claim,
        storage: body.storage ?? "10Gi",
        createdBy: req.user.name,
      };
      try {
        const created = await ctx.store.backupTargets.create(target, {
          stackId: null,
          source: "user",
          type: "BackupTargetCreated",
          actor: req.user.name,
          data: { name: target.name, claim: target.claim, storage: target.storage },
        });
        return { status: 201, body: created };
      } catch (e: unknown) {
        if (e instanceof StoreError && e.code === "Conflict") throw new HttpProblem("Conflict", e.message);
        throw e;
      }
    },
  },
  {
    method: "DELETE",
    path: "/v1/backup-targets/{name}",
    summary: "Removes a backup target (archives already written stay in their claims)",
    tag: "game",
    role: "admin",
    responses: { 204: { description: "Removed" }, 404: problem("No such target") },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const name = req.params["name"] ?? "";
      const removed = await ctx.store.backupTargets.remove(name, {
        stackId: null,
        source: "user",
        type: "BackupTargetDeleted",
        actor: req.user.name,
        data: { name },
      });
      if (!removed) throw new HttpProblem("NotFound", `no backup target named ${name}`);
      return { status: 204 };
    },
  },
];
