import { KubeApiError, KubeNetworkError } from "../../kube/errors.ts";
import { StoreUnavailableError } from "../store/database.ts";

/**
 * True when the cluster could not be reached: no HTTP answer at all
 * (connection refused or reset, timeouts) or a 5xx from the API server. The
 * reconcile is deferred, not failed. Classified by type and status code only.
 */
export function isClusterUnreachable(e: unknown): boolean {
  for (let link: unknown = e; link instanceof Error; link = link.cause) {
    if (link instanceof KubeNetworkError) return true;
    if (link instanceof KubeApiError) return link.status >= 500;
  }
  return false;
}

/** True when the store could not be reached: nothing may change in the cluster until it is back. */
export function isStoreUnavailable(e: unknown): boolean {
  for (let link: unknown = e; link instanceof Error; link = link.cause) {
    if (link instanceof StoreUnavailableError) return true;
  }
  return false;
}

/**
 * An error of a reconcile that should be retried soon with backoff (the
 * store or the cluster is away); the engine reads its `errorClass`.
 */
export class Unavailable extends Error {
  override readonly name = "Unavailable";
  readonly errorClass = "transient" as const;
  readonly what: "store" | "cluster";
  constructor(what: "store" | "cluster", cause: unknown) {
    super(`the ${what === "store" ? "database" : "Kubernetes API"} is unreachable`, { cause });
    this.what = what;
  }
}
