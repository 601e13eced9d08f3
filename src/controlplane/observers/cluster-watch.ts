import type { KubeAccess } from "../../kube/kubeconfig.ts";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { KubeClient } from "../../kube/client.ts";
import { Reflector } from "../../kube/reflector.ts";
import { ResourceTypes } from "../../kube/resource-type.ts";
import type { KubeObject } from "../../api/object.ts";
import { ownedKinds } from "../../resources/owned-kinds.ts";

/**
 * The child kinds the control plane watches: what a stack owns except
 * Secrets. Secrets hold passwords, so the control plane may not read them
 * (see its ClusterRole); it learns their UIDs from the Stack's
 * `status.resources` instead.
 */
export const observedKinds = ownedKinds.filter(([, kind]) => kind !== "Secret");
import { stackIdLabel } from "../../resources/labels.ts";
import { controlPlaneStackSelector, stackIdOf } from "../stack-resource.ts";

/** A Kubernetes Event (core v1) as the observers read it. */
export type KubeEvent = KubeObject & {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly series?: { readonly count?: number };
  readonly involvedObject?: { readonly kind?: string; readonly name?: string; readonly uid?: string };
};

/** Logs of the runtime's reflectors. */
export type WatchLog = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Record<string, unknown>,
) => void;

/**
 * One cluster as the control plane sees it: an API client and the caches the
 * reconciler and the observers share — the Stacks the control plane applied
 * (labelled managed-by and stack-id), the Warning Events (of any object: those
 * about a Stack or one of its children count), and every managed child that
 * carries a stack-id label (the kinds the operator owns).
 * Handlers registered with {@link ClusterWatch.onStackId} get the stack id of
 * whatever changed, and nothing else.
 */
export class ClusterWatch {
  readonly name: string;
  readonly client: KubeClient;
  readonly types = new ResourceTypes();
  readonly stacks: Reflector<Stack>;
  readonly events: Reflector<KubeEvent>;
  readonly children: readonly Reflector[];
  readonly #handlers: Array<(stackId: string) => void> = [];

  constructor(options: { name: string; kubeconfig: KubeAccess; log?: WatchLog }) {
    this.name = options.name;
    this.client = new KubeClient(options.kubeconfig, { userAgent: "stackwarden-control-plane" });
    this.types.register(stackResourceType);
    const log = options.log ? { log: options.log } : {};
    this.stacks = new Reflector<Stack>({
      client: this.client,
      type: stackResourceType,
      labelSelector: controlPlaneStackSelector,
      ...log,
    });
    this.events = new Reflector<KubeEvent>({
      client: this.client,
      type: this.types.known("v1", "Event")!,
      // Warnings only: Normal Events are many and tell nothing an observer records.
      fieldSelector: "type=Warning",
      ...log,
    });
    this.children = observedKinds.map(
      ([apiVersion, kind]) =>
        new Reflector({
          client: this.client,
          type: this.types.known(apiVersion, kind)!,
          labelSelector: stackIdLabel,
          ...log,
        }),
    );
    this.stacks.on((e) => this.#emit(stackIdOf(e.object)));
    for (const c of this.children) c.on((e) => this.#emit(stackIdOf(e.object)));
    this.events.on((e) => this.#emit(this.#stackIdOfUid(e.object.involvedObject?.uid)));
  }

  /** Subscribes to "something about this stack id changed". */
  onStackId(handler: (stackId: string) => void): void {
    this.#handlers.push(handler);
  }

  /** True once every cache has listed once. */
  get synced(): boolean {
    return this.stacks.hasSynced && this.events.hasSynced && this.children.every((c) => c.hasSynced);
  }

  /** The Stack resource of a stack id (the oldest, should there ever be two). */
  stackOf(stackId: string): Stack | undefined {
    return this.stacks.store
      .list({ labelSelector: `${stackIdLabel}=${stackId}` })
      .sort((a, b) =>
        (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
      )[0];
  }

  /** Every managed child labelled with the stack id. */
  childrenOf(stackId: string): KubeObject[] {
    return this.children.flatMap((c) => c.store.list({ labelSelector: `${stackIdLabel}=${stackId}` }));
  }

  /** The Warning Events about a stack's Stack resource or one of its children. */
  warningsOf(stackId: string, stack: Stack): KubeEvent[] {
    const uids = new Set([stack.metadata.uid, ...this.childrenOf(stackId).map((c) => c.metadata.uid)]);
    return this.events.store.list().filter((e) => uids.has(e.involvedObject?.uid));
  }

  /** Runs every cache until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await Promise.all([this.stacks, this.events, ...this.children].map((r) => r.run(signal)));
    } finally {
      this.client.close();
    }
  }

  /** The stack id of the Stack or managed child with this UID, if it is one. */
  #stackIdOfUid(uid: string | undefined): string | undefined {
    if (uid === undefined) return undefined;
    for (const r of [this.stacks, ...this.children]) {
      const found = r.store.getByUid(uid);
      if (found) return stackIdOf(found);
    }
    return undefined;
  }

  #emit(stackId: string | undefined): void {
    if (stackId === undefined) return;
    for (const h of this.#handlers) h(stackId);
  }
}
