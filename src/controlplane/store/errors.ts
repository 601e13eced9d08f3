/** Why a store operation refused: a closed set the HTTP layer maps to status codes. */
export const storeErrorCodes = ["NotFound", "Conflict", "StaleGeneration"] as const;
export type StoreErrorCode = (typeof storeErrorCodes)[number];

/**
 * A refusal by the store that changed nothing: the thing is not there
 * (`NotFound`), it clashes with what is there (`Conflict`), or the caller's
 * `If-Match` generation is not the current one (`StaleGeneration`, with
 * `current`).
 */
export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code: StoreErrorCode;
  readonly current: number | undefined;

  constructor(code: StoreErrorCode, message: string, current?: number) {
    super(message);
    this.code = code;
    this.current = current;
  }
}

/** Postgres' SQLSTATE for a unique constraint violation. */
export const uniqueViolation = "23505";

/** The SQLSTATE of a database error, if it has one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
