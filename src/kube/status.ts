import { applyTransactions, statusMergePatch, type StatusTransaction } from "../engine/status-transaction.ts";
import type { KubeClient } from "./client.ts";
import { isConflict } from "./errors.ts";
import { resourcePath } from "./resource-type.ts";
import { type ResourceType } from "../api/resource-type.ts";
import type { KubeObject } from "../api/object.ts";

/** An object with a status of shape `S`. */
export type WithStatus<S> = KubeObject & { readonly status?: S };

export interface PatchStatusOptions<S> {
  readonly client: KubeClient;
  readonly type: ResourceType;
  readonly namespace?: string | undefined;
  readonly name: string;
  /** Small changes applied in order to a copy of the current status. */
  readonly transactions: ReadonlyArray<StatusTransaction<S>>;
  /** The copy to start from (from the cache); re-read from the API server after a conflict. */
  readonly current?: WithStatus<S>;
  /** Attempts before a conflict is given up on and thrown (it is transient: the caller retries). Default 5. */
  readonly maxAttempts?: number;
  readonly signal?: AbortSignal;
  /** Called with the written object, for read-your-writes. */
  readonly written?: (object: KubeObject) => void;
}

/** The result of {@link patchStatus}. */
export interface StatusPatched<S> {
  readonly object: WithStatus<S>;
  /** False when the transactions changed nothing and no request was sent. */
  readonly changed: boolean;
  readonly attempts: number;
}

/**
 * Writes status as a transaction: applies `transactions` to the current
 * status, and when that changes anything, sends a JSON merge patch of just the
 * difference to the status subresource, preconditioned on the
 * resourceVersion it started from. On a conflict it re-reads and tries again.
 * When nothing changed it sends nothing.
 */
export async function patchStatus<S extends object>(
  options: PatchStatusOptions<S>,
): Promise<StatusPatched<S>> {
  const path = resourcePath(options.type, options.namespace, options.name);
  const signal = options.signal ? { signal: options.signal } : {};
  const maxAttempts = options.maxAttempts ?? 5;
  let current = options.current;
  for (let attempt = 1; ; attempt++) {
    current ??= await options.client.request<WithStatus<S>>("GET", path, signal);
    const before = (current.status ?? {}) as S;
    const { next, changed } = applyTransactions(before, options.transactions);
    const patch = changed
      ? statusMergePatch(
          before as Readonly<Record<string, unknown>>,
          next as Readonly<Record<string, unknown>>,
        )
      : undefined;
    if (!patch) return { object: current, changed: false, attempts: attempt };
    try {
      const object = await options.client.request<WithStatus<S>>("PATCH", `${path}/status`, {
        body: { metadata: { resourceVersion: current.metadata.resourceVersion }, status: patch },
        contentType: "application/merge-patch+json",
        ...signal,
      });
      options.written?.(object);
      return { object, changed: true, attempts: attempt };
    } catch (e: unknown) {
      if (!isConflict(e) || attempt >= maxAttempts) throw e;
      current = undefined;
    }
  }
}
