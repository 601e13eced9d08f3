import type { KubeClient } from "./client.ts";
import { configHash, fieldManager, groupByWave, needsApply, withAppliedHash } from "./desired-state.ts";
import { isNotFound } from "./errors.ts";
import { resourcePath, type ResourceTypes } from "./resource-type.ts";
import { type ResourceType } from "../api/resource-type.ts";
import type { KubeObject } from "../api/object.ts";

/** Where apply finds live objects and tells about its writes; usually the operator's caches. */
export interface LiveObjects {
  /** The freshest known copy, or undefined when it does not exist. Undefined `get` means: ask the API server. */
  get?(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Called with the object the API server returned from a write, for read-your-writes. */
  written?(type: ResourceType, object: KubeObject): void;
  /** Called when an object was deleted by us, so the cache forgets it at once. */
  deleted?(type: ResourceType, object: KubeObject): void;
}

export interface ApplyContext {
  readonly client: KubeClient;
  readonly types: ResourceTypes;
  readonly live?: LiveObjects;
  readonly signal?: AbortSignal;
  /**
   * True (the default): a field someone else changed is put back. False: only
   * a change of our own desired configuration is applied (drift policy
   * `ignore`).
   */
  readonly enforce?: boolean;
  /** The field manager of the write; `stackwarden` (the operator's) unless given. */
  readonly fieldManager?: string;
}

/** What one apply did. */
export interface Applied {
  readonly object: KubeObject;
  /** False when the live object already matched and no request was sent. */
  readonly changed: boolean;
}

/**
 * Server-side applies `desired` under the field manager `stackwarden`, taking
 * ownership of its fields (force). Compare before write: when the live object
 * (from the cache when one is given) already matches, no request is sent. A
 * Pod carries the hash of its spec; when that changes the live Pod is
 * deleted instead, and a later apply (once it is gone) creates the new one.
 */
export async function applyObject(ctx: ApplyContext, desired: KubeObject): Promise<Applied> {
  const type = await ctx.types.resolve(ctx.client, desired.apiVersion ?? "", desired.kind ?? "");
  const stamped = withAppliedHash(desired.kind === "Pod" ? withPodSpecHash(desired) : desired);
  const { namespace, name } = desired.metadata;
  const live = ctx.live?.get ? ctx.live.get(type, namespace, name) : await read(ctx, type, namespace, name);
  if (live && !needsApply(stamped, live, ctx.enforce ?? true)) return { object: live, changed: false };
  if (live && podSpecChanged(stamped, live)) return { object: await replace(ctx, type, live), changed: true };
  const object = await ctx.client.request<KubeObject>("PATCH", resourcePath(type, namespace, name), {
    query: { fieldManager: ctx.fieldManager ?? fieldManager, force: true },
    body: stamped,
    contentType: "application/apply-patch+yaml",
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  ctx.live?.written?.(type, object);
  return { object, changed: true };
}

/** On a Pod we apply: the hash of its desired `spec`, which a Pod mostly cannot change in place. */
export const podSpecHashAnnotation = "stackwarden.dev/pod-spec-hash";

function withPodSpecHash(pod: KubeObject): KubeObject {
  const spec = (pod as KubeObject & { spec?: unknown }).spec;
  const annotations = { ...pod.metadata.annotations, [podSpecHashAnnotation]: configHash(spec) };
  return { ...pod, metadata: { ...pod.metadata, annotations } };
}

/** True for a live Pod of ours whose spec was rendered from another desired spec than `desired`'s. */
function podSpecChanged(desired: KubeObject, live: KubeObject): boolean {
  const was = live.metadata.annotations?.[podSpecHashAnnotation];
  return (
    desired.kind === "Pod" &&
    was !== undefined &&
    was !== desired.metadata.annotations?.[podSpecHashAnnotation]
  );
}

/**
 * Deletes `live` (preconditioned on its UID) so that a later apply creates
 * it anew: how a Pod's immutable spec changes, as a bare pod's own
 * controller would do it. Returns the object as it was, marked as being
 * deleted: until the new one runs, health must not count the old one.
 */
async function replace(ctx: ApplyContext, type: ResourceType, live: KubeObject): Promise<KubeObject> {
  try {
    await ctx.client.request("DELETE", resourcePath(type, live.metadata.namespace, live.metadata.name), {
      body: { preconditions: { uid: live.metadata.uid }, propagationPolicy: "Background" },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (e: unknown) {
    if (!isNotFound(e)) throw e;
  }
  const deletionTimestamp = live.metadata.deletionTimestamp ?? new Date().toISOString();
  return { ...live, metadata: { ...live.metadata, deletionTimestamp } };
}

async function read(
  ctx: ApplyContext,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await ctx.client.request<KubeObject>("GET", resourcePath(type, namespace, name), {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (e: unknown) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Applies objects wave by wave (RBAC → ConfigMaps/Secrets → PVCs →
 * StatefulSets → Services → Deployments → PDBs → HPAs); objects within a wave
 * are applied in parallel. Stops at the first failing wave and throws its
 * first error. Returns what each object became, in wave order.
 */
export async function applyInWaves(ctx: ApplyContext, desired: readonly KubeObject[]): Promise<Applied[]> {
  const results: Applied[] = [];
  for (const wave of groupByWave(desired)) {
    results.push(...(await Promise.all(wave.map((o) => applyObject(ctx, o)))));
  }
  return results;
}

/**
 * Deletes the objects in `owned` that are not in `desired`, waves in reverse
 * order. `owned` must hold only objects that carry our labels and an owner
 * reference to the root (the caller lists them by label and checks the
 * owner); this function refuses any other, so it can never delete what is not
 * ours. Deletion is preconditioned on the UID. Returns what it deleted.
 */
export async function prune(
  ctx: ApplyContext,
  desired: readonly KubeObject[],
  owned: readonly KubeObject[],
  isOurs: (o: KubeObject) => boolean,
): Promise<KubeObject[]> {
  const wanted = new Set(desired.map(identity));
  const doomed = owned.filter((o) => !wanted.has(identity(o)) && !o.metadata.deletionTimestamp);
  const pruned: KubeObject[] = [];
  for (const wave of groupByWave(doomed).reverse()) {
    await Promise.all(
      wave.map(async (o) => {
        if (!isOurs(o)) throw new Error(`refusing to prune ${identity(o)}: it is not managed by this stack`);
        const type = await ctx.types.resolve(ctx.client, o.apiVersion ?? "", o.kind ?? "");
        try {
          await ctx.client.request("DELETE", resourcePath(type, o.metadata.namespace, o.metadata.name), {
            body: { preconditions: { uid: o.metadata.uid }, propagationPolicy: "Background" },
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          });
        } catch (e: unknown) {
          if (!isNotFound(e)) throw e;
        }
        ctx.live?.deleted?.(type, o);
        pruned.push(o);
      }),
    );
  }
  return pruned;
}

/** `Kind/namespace/name`: what makes two objects the same object. */
export function identity(o: KubeObject): string {
  const group = (o.apiVersion ?? "").split("/").slice(0, -1).join("/");
  return `${o.kind ?? ""}.${group}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}
