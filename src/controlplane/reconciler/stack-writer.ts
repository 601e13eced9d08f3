import { stackResourceType, type Stack } from "../../api/stack.ts";
import { applyObject } from "../../kube/apply.ts";
import { isNotFound } from "../../kube/errors.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import type { ClusterWatch } from "../observers/cluster-watch.ts";
import { controlPlaneFieldManager } from "../stack-resource.ts";

/**
 * The control plane's writes to one Stack resource, and its reads of it: the
 * cache when it has the object, else the API server. Every write goes through
 * the cluster's cache (read-your-writes) under {@link controlPlaneFieldManager}.
 */
export class StackWriter {
  readonly #cluster: ClusterWatch;
  readonly #signal: AbortSignal;

  constructor(cluster: ClusterWatch, signal: AbortSignal) {
    this.#cluster = cluster;
    this.#signal = signal;
  }

  /** The live Stack named `namespace/name`, or undefined when there is none. */
  async get(namespace: string, name: string): Promise<Stack | undefined> {
    if (this.#cluster.stacks.hasSynced) {
      const cached = this.#cluster.stacks.store.get(`${namespace}/${name}`);
      if (cached) return cached;
    }
    try {
      return await this.#cluster.client.request<Stack>(
        "GET",
        resourcePath(stackResourceType, namespace, name),
        {
          signal: this.#signal,
        },
      );
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * Server-side applies `desired` (compare first against `live`: no request
   * when it already matches). `enforce` false: only a change of our own
   * configuration is written, fields others changed are left alone.
   */
  async apply(desired: Stack, live: Stack | undefined, enforce: boolean): Promise<Stack> {
    const applied = await applyObject(
      {
        client: this.#cluster.client,
        types: this.#cluster.types,
        fieldManager: controlPlaneFieldManager,
        enforce,
        signal: this.#signal,
        live: {
          get: () => live,
          written: (_type, object) => this.#cluster.stacks.store.recordWrite(object as Stack),
        },
      },
      desired,
    );
    return applied.object as Stack;
  }

  /** A JSON merge patch of the Stack (to drop keys another manager added), guarded by its UID. */
  async mergePatch(live: Stack, patch: Record<string, unknown>): Promise<void> {
    const written = await this.#cluster.client.request<Stack>(
      "PATCH",
      resourcePath(stackResourceType, live.metadata.namespace, live.metadata.name),
      {
        query: { fieldManager: controlPlaneFieldManager },
        body: { ...patch, metadata: { uid: live.metadata.uid } },
        contentType: "application/merge-patch+json",
        signal: this.#signal,
      },
    );
    this.#cluster.stacks.store.recordWrite(written);
  }

  /** Deletes the Stack (its finalizer lets the operator tear the children down), preconditioned on its UID. */
  async delete(live: Stack): Promise<void> {
    try {
      const answer = await this.#cluster.client.request<Stack>(
        "DELETE",
        resourcePath(stackResourceType, live.metadata.namespace, live.metadata.name),
        {
          body: { preconditions: { uid: live.metadata.uid }, propagationPolicy: "Background" },
          signal: this.#signal,
        },
      );
      if (answer?.metadata?.deletionTimestamp) this.#cluster.stacks.store.recordWrite(answer);
    } catch (e: unknown) {
      if (!isNotFound(e)) throw e;
    }
  }
}
