/** Backup targets: named claims or S3 buckets admins keep, that operators' backups may name. */
import { Type, type Static } from "@sinclair/typebox";
import type { FieldProblem } from "../../api/validate.ts";
import type { NewBackupTarget } from "../../controlplane/store/backup-target-store.ts";
import { StoreError } from "../../controlplane/store/errors.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse as problem,
  readRoute,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

const dnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const secretKey = Type.String({ pattern: "^[-._a-zA-Z0-9]+$", maxLength: 253 });
const segment = "[A-Za-z0-9_-][A-Za-z0-9!_.*'()-]*";

/** The keys of the credentials' Secret unless others are named (the names AWS tools use). */
export const defaultAccessKeyKey = "AWS_ACCESS_KEY_ID";
export const defaultSecretKeyKey = "AWS_SECRET_ACCESS_KEY";

/**
 * `POST /api/v1/backup-targets`: a claim (`type` pvc, the default) or a
 * bucket of S3-compatible storage (`type` s3). Which fields a type needs is
 * checked after the schema ({@link targetProblems}).
 */
export const BackupTargetBody = Type.Object(
  {
    name: Type.String({ pattern: dnsLabel, maxLength: 63 }),
    type: Type.Optional(
      Type.Union([Type.Literal("pvc"), Type.Literal("s3")], { description: "Default pvc." }),
    ),
    claim: Type.Optional(
      Type.String({
        pattern: dnsLabel,
        maxLength: 63,
        description:
          "pvc: the PersistentVolumeClaim, in each stack's own namespace, archives are written to.",
      }),
    ),
    storage: Type.Optional(
      Type.String({
        pattern: "^[1-9][0-9]{0,5}(Mi|Gi|Ti)$",
        description: "pvc: what the claim asks for when the control plane makes it (default 10Gi).",
      }),
    ),
    endpoint: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: "s3: http(s)://host[:port] of the S3-compatible service, without a path.",
      }),
    ),
    bucket: Type.Optional(
      Type.String({
        pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description: "s3: the bucket (it must exist).",
      }),
    ),
    prefix: Type.Optional(
      Type.String({
        pattern: `^(${segment}(/${segment})*/?)?$`,
        maxLength: 512,
        description: 's3: where in the bucket, e.g. "games/" (archives go to <prefix><stack>/<archive>).',
      }),
    ),
    region: Type.Optional(
      Type.String({
        pattern: "^[a-z0-9-]{1,32}$",
        description: "s3: the signing region (default us-east-1).",
      }),
    ),
    forcePathStyle: Type.Optional(
      Type.Boolean({
        description: "s3: address the bucket in the path, not as a host name (default false, as AWS tools).",
      }),
    ),
    credentials: Type.Optional(
      Type.Object(
        {
          secretName: Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
          accessKeyKey: Type.Optional(secretKey),
          secretKeyKey: Type.Optional(secretKey),
        },
        {
          additionalProperties: false,
          description:
            "s3: the Secret in each stack's namespace holding the keys (default keys AWS_ACCESS_KEY_ID, " +
            "AWS_SECRET_ACCESS_KEY). Only the backup Job's pod reads it; the values are never stored here.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
type Body = Static<typeof BackupTargetBody>;

const pvcFields = ["claim", "storage"] as const;
const s3Fields = ["endpoint", "bucket", "prefix", "region", "forcePathStyle", "credentials"] as const;

/** What the schema cannot say: the fields a type needs and those it does not take, and the endpoint's shape. Pure. */
export function targetProblems(body: Body): FieldProblem[] {
  const type = body.type ?? "pvc";
  const problems: FieldProblem[] = [];
  const needs = type === "pvc" ? (["claim"] as const) : (["endpoint", "bucket", "credentials"] as const);
  for (const f of needs)
    if (body[f] === undefined) problems.push({ path: `/${f}`, message: `a ${type} target needs ${f}` });
  for (const f of type === "pvc" ? s3Fields : pvcFields)
    if (body[f] !== undefined) problems.push({ path: `/${f}`, message: `not a field of a ${type} target` });
  if (type === "s3" && body.endpoint !== undefined) {
    const why = endpointProblem(body.endpoint);
    if (why) problems.push({ path: "/endpoint", message: why });
  }
  return problems;
}

function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be http:// or https://";
  if (url.username !== "" || url.password !== "")
    return "must hold no credentials (name a Secret in credentials)";
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "")
    return "must have no path, query or fragment";
  return undefined;
}

/** The target to store for a checked body. */
function newTarget(body: Body, createdBy: string): NewBackupTarget {
  if (body.type !== "s3")
    return {
      name: body.name,
      createdBy,
      type: "pvc",
      claim: body.claim ?? "",
      storage: body.storage ?? "10Gi",
    };
  const prefix = body.prefix ?? "";
  return {
    name: body.name,
    createdBy,
    type: "s3",
    s3: {
      endpoint: new URL(body.endpoint ?? "").origin,
      bucket: body.bucket ?? "",
      prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`,
      region: body.region ?? "us-east-1",
      forcePathStyle: body.forcePathStyle ?? false,
      secret: {
        name: body.credentials?.secretName ?? "",
        accessKeyKey: body.credentials?.accessKeyKey ?? defaultAccessKeyKey,
        secretKeyKey: body.credentials?.secretKeyKey ?? defaultSecretKeyKey,
      },
    },
  };
}

const common = { name: Type.String(), createdAt: Type.String(), createdBy: Type.String() };
const TargetSchema = Type.Union([
  Type.Object({ ...common, type: Type.Literal("pvc"), claim: Type.String(), storage: Type.String() }),
  Type.Object({
    ...common,
    type: Type.Literal("s3"),
    s3: Type.Object({
      endpoint: Type.String(),
      bucket: Type.String(),
      prefix: Type.String(),
      region: Type.String(),
      forcePathStyle: Type.Boolean(),
      secret: Type.Object({ name: Type.String(), accessKeyKey: Type.String(), secretKeyKey: Type.String() }),
    }),
  }),
]);

/** The backup target routes: operators read them, admins add and remove them. */
export const backupTargetRoutes: readonly RouteSpec[] = [
  readRoute({
    path: "/v1/backup-targets",
    summary: "The backup targets a backup may name",
    tag: "game",
    role: "operator",
    description: "The targets",
    schema: Type.Object({ items: Type.Array(TargetSchema) }),
    read: async (_req, ctx) => ({ items: await ctx.store.backupTargets.list() }),
  }),
  {
    method: "POST",
    path: "/v1/backup-targets",
    summary: "Adds a backup target: a claim in each stack's namespace, or a bucket of S3-compatible storage",
    tag: "game",
    role: "admin",
    body: BackupTargetBody,
    responses: {
      201: { description: "The target", schema: TargetSchema },
      409: problem("A target of that name exists"),
      422: problem("A bad or missing field for the target's type (the field is named)"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const body = req.body as Body;
      const problems = targetProblems(body);
      if (problems.length > 0) throw new HttpProblem("Invalid", "the backup target is not valid", problems);
      const target = newTarget(body, req.user.name);
      const { name, createdBy: _, ...settings } = target;
      try {
        const created = await ctx.store.backupTargets.create(target, {
          stackId: null,
          source: "user",
          type: "BackupTargetCreated",
          actor: req.user.name,
          // The Secret's name and keys, never its values (this process never reads them).
          data: { name, ...settings },
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
