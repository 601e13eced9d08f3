import type { ReconcileResult } from "../../engine/result.ts";
import { requeueAfter, done } from "../../engine/result.ts";
import type { ApplyContext } from "../../kube/apply.ts";
import { isNotFound } from "../../kube/errors.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import type { KubeObject } from "../../api/object.ts";
import { componentLabel, stackLabel } from "../../resources/labels.ts";

/**
 * Deletes a stack's children in reverse dependency order: the objects of the
 * last level first, waiting until they are gone before the level before it.
 * Objects that belong to no component (generated Secrets) go last. Volume
 * claims made from StatefulSet templates are not owned by the stack and are
 * kept when they hold data (`Template.data`), unless `deleteVolumes` asks for
 * them to go too; the claims of other components go with the stack. Returns `done` when
 * nothing is left, otherwise a short requeue.
 */
export async function teardown(options: {
  readonly ctx: ApplyContext;
  readonly stack: KubeObject;
  /** Component names by dependency level, as rendered. */
  readonly levels: readonly (readonly string[])[];
  /** The stack's children still known (ours: labelled and owned by the stack). */
  readonly children: readonly KubeObject[];
  readonly deleteVolumes: boolean;
  /** The template's data components (`Template.data`); undefined when unknown, and then every claim is data. */
  readonly dataComponents: readonly string[] | undefined;
}): Promise<ReconcileResult> {
  const { ctx, stack } = options;
  const order = [...options.levels].reverse().map((names) => new Set(names));
  const componentOf = (o: KubeObject): string => o.metadata.labels?.[componentLabel] ?? "";
  const remaining = options.children;
  const known = new Set(options.levels.flat());
  const batches = [
    ...order.map((names) => remaining.filter((o) => names.has(componentOf(o)))),
    remaining.filter((o) => !known.has(componentOf(o))),
  ];
  const batch = batches.find((b) => b.length > 0);
  if (batch) {
    await Promise.all(batch.filter((o) => !o.metadata.deletionTimestamp).map((o) => remove(ctx, o)));
    return requeueAfter(1000);
  }
  const namespace = stack.metadata.namespace ?? "default";
  const claims = await ctx.client.request<{ items: KubeObject[] }>(
    "LIST",
    `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
    {
      query: { labelSelector: `${stackLabel}=${stack.metadata.name}` },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    },
  );
  const left = claims.items
    .map((c) => ({ ...c, apiVersion: "v1", kind: "PersistentVolumeClaim" }))
    .filter((c) => !keepsClaim(c, options.dataComponents, options.deleteVolumes));
  if (left.length > 0) {
    await Promise.all(left.filter((c) => !c.metadata.deletionTimestamp).map((c) => remove(ctx, c)));
    return requeueAfter(1000);
  }
  return done;
}

/**
 * Whether a volume claim outlives its stack: a claim of a data component (or of no known
 * component) is kept unless the owner asked for volumes to be deleted; a claim of any other
 * component is scratch space and goes with the stack. Pure.
 */
export function keepsClaim(
  claim: KubeObject,
  dataComponents: readonly string[] | undefined,
  deleteVolumes: boolean,
): boolean {
  if (deleteVolumes) return false;
  const component = claim.metadata.labels?.[componentLabel];
  return dataComponents === undefined || component === undefined || dataComponents.includes(component);
}

async function remove(ctx: ApplyContext, o: KubeObject): Promise<void> {
  const type = await ctx.types.resolve(ctx.client, o.apiVersion ?? "", o.kind ?? "");
  ctx.live?.deleted?.(type, o);
  try {
    await ctx.client.request("DELETE", resourcePath(type, o.metadata.namespace, o.metadata.name), {
      body: { propagationPolicy: "Background", preconditions: { uid: o.metadata.uid } },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (e: unknown) {
    if (!isNotFound(e)) throw e;
  }
}
