import type { ErrorClass } from "../engine/errors.ts";

/** The Kubernetes `Status` object an API server returns with a failure. */
export interface StatusBody {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly kind?: string;
    readonly causes?: ReadonlyArray<{
      readonly reason?: string;
      readonly message?: string;
      readonly field?: string;
    }>;
  };
}

/**
 * A failed API request, classified once, here, by HTTP status code and the
 * Status reason — never by message text. The rest of the code asks
 * `errorClass` (for retries) or the predicates below.
 */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  readonly status: number;
  readonly reason: string;
  readonly errorClass: ErrorClass;
  readonly verb: string;
  readonly path: string;
  readonly body: StatusBody | undefined;

  constructor(verb: string, path: string, status: number, body: StatusBody | undefined) {
    super(`${verb} ${path}: ${status} ${body?.reason ?? ""} ${body?.message ?? ""}`.trim());
    this.verb = verb;
    this.path = path;
    this.status = status;
    this.body = body;
    this.reason = body?.reason ?? "";
    this.errorClass = classifyStatus(status);
  }

  /** The field paths the API server named as causes (validation failures). */
  get fields(): string[] {
    return (this.body?.details?.causes ?? []).flatMap((c) => (c.field ? [c.field] : []));
  }
}

/**
 * A request that never got an HTTP answer: connection refused or reset,
 * timeouts, TLS failures. Always transient: the next try may work.
 */
export class KubeNetworkError extends Error {
  override readonly name = "KubeNetworkError";
  readonly errorClass: ErrorClass = "transient";
  readonly code: string;
  constructor(verb: string, path: string, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    super(`${verb} ${path}: ${typeof code === "string" ? code : "network error"}`, { cause });
    this.code = typeof code === "string" ? code : "";
  }
}

/**
 * The retry class of an HTTP status: 409 (conflict), 429 (throttled), 5xx and
 * 408 are transient; 410 (expired resource version) is transient too, since
 * the caller recovers by re-reading; other 4xx are permanent; anything else
 * is unknown.
 */
export function classifyStatus(status: number): ErrorClass {
  if (status === 408 || status === 409 || status === 410 || status === 429 || status >= 500)
    return "transient";
  if (status >= 400) return "permanent";
  return "unknown";
}

const statusOf = (e: unknown): number | undefined => (e instanceof KubeApiError ? e.status : undefined);

/** 404: the object (or its kind) does not exist. */
export const isNotFound = (e: unknown): boolean => statusOf(e) === 404;
/** 409 with reason Conflict: a stale resourceVersion or an SSA field conflict. */
export const isConflict = (e: unknown): boolean =>
  statusOf(e) === 409 && (e as KubeApiError).reason === "Conflict";
/** 409 with reason AlreadyExists. */
export const isAlreadyExists = (e: unknown): boolean =>
  statusOf(e) === 409 && (e as KubeApiError).reason === "AlreadyExists";
/** 410 Gone / reason Expired: the resourceVersion is too old; list again. */
export const isExpired = (e: unknown): boolean =>
  statusOf(e) === 410 || (e instanceof KubeApiError && (e.reason === "Expired" || e.reason === "Gone"));
/** 422 Invalid: the object failed validation; `fields` names where. */
export const isInvalid = (e: unknown): boolean => statusOf(e) === 422;
