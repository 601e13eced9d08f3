/**
 * The OpenAPI 3.1 document of the API, generated from the route table: every
 * route, its parameters, body and answers, with the same JSON Schemas the
 * routes validate with (OpenAPI 3.1 schemas are JSON Schema).
 */
import type { TSchema } from "@sinclair/typebox";
import { ProblemSchema } from "./problem.ts";
import type { RouteSpec } from "./route.ts";
import { namedSchemas } from "./schemas.ts";

type Json = Record<string, unknown>;

/** TypeBox schemas as plain JSON; `$ref`s to named schemas point into `components`. */
function plain(schema: TSchema): Json {
  return JSON.parse(
    JSON.stringify(schema, (key, value: unknown) =>
      key === "$ref" && typeof value === "string" ? `#/components/schemas/${value}` : value,
    ),
  ) as Json;
}

function withoutId(schema: TSchema): Json {
  const { $id: _id, ...rest } = plain(schema);
  return rest;
}

function parameters(route: RouteSpec): Json[] {
  const out: Json[] = [];
  for (const m of route.path.matchAll(/\{(\w+)\}/g)) {
    out.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
  }
  const query = route.query ? plain(route.query) : undefined;
  const props = (query?.["properties"] ?? {}) as Record<string, Json>;
  const required = new Set((query?.["required"] as string[] | undefined) ?? []);
  for (const [name, schema] of Object.entries(props)) {
    out.push({ name, in: "query", required: required.has(name) && !("default" in schema), schema });
  }
  for (const h of route.headers ?? []) {
    out.push({
      name: h.name,
      in: "header",
      required: h.required,
      description: h.description,
      schema: { type: "string" },
    });
  }
  return out;
}

function operation(route: RouteSpec): Json {
  const responses: Json = {};
  for (const [status, r] of Object.entries(route.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema ? { content: { [r.type ?? "application/json"]: { schema: plain(r.schema) } } } : {}),
    };
  }
  if (route.role !== "public") {
    responses["401"] ??= { description: "Missing or unknown token", content: problemContent };
    responses["403"] ??= { description: `Needs the ${route.role} role`, content: problemContent };
  }
  responses["503"] ??= {
    description: "The database is unavailable; nothing was changed",
    content: problemContent,
  };
  const id = `${route.method.toLowerCase()}${route.path.replace(/\{(\w+)\}/g, "By-$1").replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase())}`;
  return {
    operationId: id,
    summary: route.summary,
    tags: [route.tag],
    ...(route.role !== "public" ? { security: security(route), "x-role": route.role } : {}),
    parameters: parameters(route),
    ...(route.body
      ? { requestBody: { required: true, content: { "application/json": { schema: plain(route.body) } } } }
      : {}),
    responses,
  };
}

/** The header everywhere; on the event streams also `?access_token=` (for EventSource). */
function security(route: RouteSpec): Json[] {
  return route.tokenInQuery ? [{ bearer: [] }, { accessToken: [] }] : [{ bearer: [] }];
}

const securitySchemes = {
  bearer: { type: "http", scheme: "bearer" },
  accessToken: {
    type: "apiKey",
    in: "query",
    name: "access_token",
    description: "Only on the event streams, for browsers' EventSource, which cannot set headers",
  },
};

const problemContent = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };

/** The document for `routes` (mounted under `/api`). */
export function openApiDocument(routes: readonly RouteSpec[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = `/api${route.path}`;
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  const schemas: Json = { Problem: withoutId(ProblemSchema) };
  for (const s of namedSchemas) schemas[String(s.$id)] = withoutId(s);
  return {
    openapi: "3.1.0",
    info: {
      title: "Stackwarden control plane API",
      version,
      description: "Stacks from templates with guardrails, their history, and live events. See docs/api.md.",
    },
    paths,
    components: { schemas, securitySchemes },
  };
}
