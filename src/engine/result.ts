/** What a reconcile asks of the queue when it returns normally. */
export type ReconcileResult =
  { readonly type: "done" } | { readonly type: "requeueAfter"; readonly ms: number };

/** The object is where it should be: forget the key until something changes. */
export const done: ReconcileResult = Object.freeze({ type: "done" });

/** Not there yet (a rollout in progress, a dependency not ready): look again after `ms`, with no backoff. */
export function requeueAfter(ms: number): ReconcileResult {
  return { type: "requeueAfter", ms };
}

/**
 * Brings one object to where its spec says it should be.
 *
 * The contract: reconcile is level-based. It gets a key, never an event, and reads desired and
 * observed state afresh each time, so being called twice, late, or after a missed event is harmless.
 * It returns {@link done} when converged, or {@link requeueAfter} when it must look again later;
 * "not ready yet" is a requeue, not an error. Throwing means failure: the key is retried with a
 * per-key backoff chosen by the error's class (see `errorClassOf`). Throwing a `TerminalError` means
 * retrying cannot help: the failure is recorded and the key is not retried until the object's
 * generation changes. The signal is aborted when the controller stops; a reconcile should pass it to
 * its I/O and return or throw promptly. One key is never reconciled twice at once.
 */
export interface Reconciler<K extends string = string> {
  reconcile(key: K, signal: AbortSignal): Promise<ReconcileResult>;
}
