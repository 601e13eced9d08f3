/**
 * Every error the API answers is an RFC 9457 problem document
 * (`application/problem+json`). This module maps what went wrong, by type and
 * code (never by message text), to one; nothing else in an error is sent, so
 * stack traces, tokens and kubeconfigs cannot leak.
 */
import { Type } from "@sinclair/typebox";
import type { FieldProblem } from "../../api/validate.ts";
import { ServiceError } from "../../controlplane/stack-service.ts";
import { StoreUnavailableError } from "../../controlplane/store/database.ts";
import { StoreError } from "../../controlplane/store/errors.ts";
import { InvalidCursorError } from "../../controlplane/store/stack-store.ts";

/** The API's error kinds, each with its HTTP status and title. */
export const problemKinds = {
  BadRequest: { status: 400, title: "Bad request" },
  Unauthorized: { status: 401, title: "Unauthorized" },
  Forbidden: { status: 403, title: "Forbidden" },
  NotFound: { status: 404, title: "Not found" },
  MethodNotAllowed: { status: 405, title: "Method not allowed" },
  Conflict: { status: 409, title: "Conflict" },
  StaleGeneration: { status: 409, title: "Stale generation" },
  PayloadTooLarge: { status: 413, title: "Payload too large" },
  UnsupportedMediaType: { status: 415, title: "Unsupported media type" },
  Invalid: { status: 422, title: "Unprocessable content" },
  PreconditionRequired: { status: 428, title: "Precondition required" },
  Internal: { status: 500, title: "Internal server error" },
  Unavailable: { status: 503, title: "Service unavailable" },
} as const;
export type ProblemKind = keyof typeof problemKinds;

/** The problem document (the OpenAPI document's `Problem` schema). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    currentGeneration: Type.Optional(Type.Integer()),
  },
  { $id: "Problem" },
);

/** A problem to answer: status, document and extra headers. */
export interface Problem {
  readonly status: number;
  readonly body: {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: FieldProblem[];
    currentGeneration?: number;
  };
  readonly headers: Record<string, string>;
}

/** An error raised by the HTTP layer itself, with the kind it answers as. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  readonly kind: ProblemKind;
  readonly problems: readonly FieldProblem[];

  constructor(kind: ProblemKind, detail: string, problems: readonly FieldProblem[] = []) {
    super(detail);
    this.kind = kind;
    this.problems = problems;
  }
}

/** Builds the problem document of `kind`. */
export function problem(
  kind: ProblemKind,
  detail: string,
  extra: {
    errors?: readonly FieldProblem[];
    currentGeneration?: number;
    headers?: Record<string, string>;
  } = {},
): Problem {
  const { status, title } = problemKinds[kind];
  return {
    status,
    body: {
      type: `https://stackwarden.dev/problems/${kind}`,
      title,
      status,
      detail,
      ...(extra.errors && extra.errors.length > 0 ? { errors: [...extra.errors] } : {}),
      ...(extra.currentGeneration !== undefined ? { currentGeneration: extra.currentGeneration } : {}),
    },
    headers: extra.headers ?? {},
  };
}

/** Fastify's own request errors, by code, and what to tell the client. */
const fastifyErrors: Record<string, [ProblemKind, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ["BadRequest", "the body is not valid JSON"],
  FST_ERR_CTP_EMPTY_JSON_BODY: ["BadRequest", "the body is empty; send a JSON object"],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ["BadRequest", "Content-Length does not match the body"],
  FST_ERR_CTP_BODY_TOO_LARGE: ["PayloadTooLarge", "the body is larger than 1 MiB"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ["UnsupportedMediaType", "send the body as application/json"],
};

/**
 * The problem to answer for any thrown value. Unknown errors become a bare
 * 500 (the caller logs them); the database being unreachable becomes 503 with
 * `Retry-After`.
 */
export function toProblem(e: unknown): Problem {
  if (e instanceof HttpProblem) return problem(e.kind, e.message, { errors: e.problems });
  if (e instanceof ServiceError) {
    return problem(e.code, e.message, {
      errors: e.problems,
      ...(e.current !== undefined ? { currentGeneration: e.current } : {}),
    });
  }
  if (e instanceof StoreError) {
    return problem(e.code, e.message, e.current !== undefined ? { currentGeneration: e.current } : {});
  }
  if (e instanceof InvalidCursorError) {
    return problem("Invalid", e.message, { errors: [{ path: "/cursor", message: e.message }] });
  }
  if (e instanceof StoreUnavailableError) {
    return problem("Unavailable", "the database is unavailable; nothing was changed", {
      headers: { "retry-after": "5" },
    });
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    const known = fastifyErrors[code];
    if (known) return problem(known[0], known[1]);
    const status = (e as { statusCode?: unknown }).statusCode;
    if (code.startsWith("FST_") && typeof status === "number" && status >= 400 && status < 500) {
      return problem("BadRequest", "the request could not be read");
    }
  }
  if (e instanceof SyntaxError) return problem("BadRequest", "the body is not valid JSON");
  return problem("Internal", "something went wrong on our side; nothing was changed");
}
