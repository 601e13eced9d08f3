/** The `/api/v1/templates` routes: the catalog, and new versions for admins. */
import { Type, type Static } from "@sinclair/typebox";
import type { FieldProblem } from "../../api/validate.ts";
import { checkParamSchema } from "../../controlplane/guardrails.ts";
import type { NewTemplate } from "../../controlplane/store/catalog-store.ts";
import type { TemplateRecord } from "../../controlplane/store/records.ts";
import { findTemplate } from "../../templates/registry.ts";
import { HttpProblem } from "./problem.ts";
import {
  problemResponse,
  readRoute,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
  type RouteSpec,
} from "./route.ts";

const Pointer = Type.String({ pattern: "^(/[^/]*)+$", description: "A JSON pointer into params." });

/** The body of `POST /api/v1/templates`. */
export const CreateTemplateSchema = Type.Object(
  {
    name: Type.String({
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
      maxLength: 63,
      errorMessage: "must be lowercase letters, digits and '-' (at most 63)",
    }),
    version: Type.String({ pattern: "^[0-9A-Za-z][0-9A-Za-z.+-]*$", maxLength: 64 }),
    description: Type.String({ maxLength: 1000, default: "" }),
    /** The built-in template that renders it; by default that of the newest version of `name`. */
    baseName: Type.Optional(Type.String()),
    baseVersion: Type.Optional(Type.String()),
    /** JSON Schema params must also satisfy (e.g. tighter ranges). */
    paramSchema: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    /** Params merged under the owner's. */
    defaults: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    /** By default the base template's; must keep every field the base holds immutable. */
    guardrails: Type.Optional(
      Type.Object(
        {
          immutable: Type.Array(Pointer, { default: [] }),
          adoptable: Type.Array(Pointer, { default: [] }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

function newVersion(
  body: Static<typeof CreateTemplateSchema>,
  newest: TemplateRecord | undefined,
): NewTemplate {
  const baseName = body.baseName ?? newest?.baseName;
  const baseVersion = body.baseVersion ?? (body.baseName === undefined ? newest?.baseVersion : undefined);
  const problems: FieldProblem[] = [];
  const base = baseName === undefined ? undefined : findTemplate(baseName, baseVersion);
  if (!base) {
    problems.push({
      path: "/baseName",
      message:
        baseName === undefined
          ? "is required for a new template name"
          : `must name a built-in template (and baseVersion one of its versions)`,
    });
  }
  problems.push(...checkParamSchema(body.paramSchema).map((p) => ({ ...p, path: `/paramSchema${p.path}` })));
  const guardrails = body.guardrails ?? base?.guardrails ?? { immutable: [], adoptable: [] };
  for (const pointer of base?.guardrails.immutable ?? []) {
    if (!guardrails.immutable.includes(pointer)) {
      problems.push({
        path: "/guardrails/immutable",
        message: `must keep ${pointer} (immutable in the base template)`,
      });
    }
  }
  if (problems.length > 0 || !base)
    throw new HttpProblem("Invalid", "the template version is not valid", problems);
  return {
    name: body.name,
    version: body.version,
    description: body.description,
    baseName: base.name,
    baseVersion: base.version,
    paramSchema: body.paramSchema,
    defaults: body.defaults,
    guardrails: { immutable: [...guardrails.immutable], adoptable: [...guardrails.adoptable] },
  };
}

/** Every template route. */
export const templateRoutes: readonly RouteSpec[] = [
  readRoute({
    path: "/v1/templates",
    summary: "Every template version in the catalog",
    tag: "templates",
    role: "viewer",
    description: "Template versions",
    schema: Type.Array(Type.Ref("Template")),
    read: (_req, ctx) => ctx.store.catalog.listTemplates(),
  }),
  {
    method: "GET",
    path: "/v1/templates/{name}",
    summary: "The versions of one template, newest first",
    tag: "templates",
    role: "viewer",
    responses: {
      200: {
        description: "The template's versions",
        schema: Type.Object({ name: Type.String(), versions: Type.Array(Type.Ref("Template")) }),
      },
      404: problemResponse("No such template"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const name = req.params["name"] ?? "";
      const versions = (await ctx.store.catalog.listTemplates()).filter((t) => t.name === name);
      if (versions.length === 0) throw new HttpProblem("NotFound", `there is no template named ${name}`);
      return { status: 200, body: { name, versions } };
    },
  },
  {
    method: "GET",
    path: "/v1/templates/{name}/versions/{version}",
    summary: "One template version with its parameter schema and guardrails",
    tag: "templates",
    role: "viewer",
    responses: {
      200: { description: "The template version", schema: Type.Ref("Template") },
      404: problemResponse("No such template or version"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const [name, version] = [req.params["name"] ?? "", req.params["version"] ?? ""];
      const t = await ctx.store.catalog.getTemplate(name, version);
      if (!t) throw new HttpProblem("NotFound", `template ${name} has no version ${version}`);
      return { status: 200, body: t };
    },
  },
  {
    method: "POST",
    path: "/v1/templates",
    summary: "Add a template version (a new name or a new version of one), rendered by a built-in template",
    tag: "templates",
    role: "admin",
    body: CreateTemplateSchema,
    responses: {
      201: { description: "Created", schema: Type.Ref("Template") },
      409: problemResponse("That name and version exist"),
      422: problemResponse("Every problem with the body"),
    },
    handler: async (req: ApiRequest, ctx: ApiContext): Promise<ApiResponse> => {
      const body = req.body as Static<typeof CreateTemplateSchema>;
      const newest = await ctx.store.catalog.getTemplate(body.name);
      const created = await ctx.store.catalog.createTemplate(newVersion(body, newest), req.user.name);
      return {
        status: 201,
        body: created,
        headers: { location: `/api/v1/templates/${created.name}/versions/${created.version}` },
      };
    },
  },
];
