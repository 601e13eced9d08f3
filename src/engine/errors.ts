/**
 * How an error should be retried. `transient`: soon (network, 5xx, 429, conflicts); `permanent`: the
 * request itself is wrong (4xx, validation), so wait long; `unknown`: in between.
 */
export type ErrorClass = "transient" | "permanent" | "unknown";

const errorClasses: ReadonlySet<unknown> = new Set<ErrorClass>(["transient", "permanent", "unknown"]);

/**
 * A failure that retrying cannot fix: the reconcile is recorded and not retried until the object's
 * generation changes (the caller re-adds the key then). Wrapping it as another error's `cause` keeps
 * its meaning.
 */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
  /** Why, as one PascalCase word fit for a condition reason, e.g. `InvalidSpec`. */
  readonly reason: string;
  /** Terminal errors are permanent by nature. */
  readonly errorClass: ErrorClass = "permanent";

  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * The class an error declares: the `errorClass` property of the error or of the first error in its
 * `cause` chain that has a valid one, else `"unknown"`. Never looks at message text.
 */
export function errorClassOf(e: unknown): ErrorClass {
  for (const link of causeChain(e)) {
    const declared = (link as { errorClass?: unknown }).errorClass;
    if (errorClasses.has(declared)) return declared as ErrorClass;
  }
  return "unknown";
}

/** The {@link TerminalError} that is `e` or in its `cause` chain, if any. */
export function terminalErrorOf(e: unknown): TerminalError | undefined {
  for (const link of causeChain(e)) if (link instanceof TerminalError) return link;
  return undefined;
}

/**
 * `e` if it is an Error; otherwise an Error whose message describes the thrown value and whose
 * `cause` is the value itself. For `catch (e: unknown)`.
 */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(describe(e), { cause: e });
}

/** The objects along `e.cause.cause…`, stopping at a cycle or a non-object. */
function* causeChain(e: unknown): Generator<object> {
  const seen = new Set<unknown>();
  let link = e;
  while (typeof link === "object" && link !== null && !seen.has(link)) {
    seen.add(link);
    yield link;
    link = (link as { cause?: unknown }).cause;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return `non-Error thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `non-Error thrown: ${String(value)}`;
  }
}
