import type { V1Node, V1Pod, V1Service } from "@kubernetes/client-node";
import type { KubeClient } from "./client.ts";
import { isNotFound } from "./errors.ts";

const ns = (namespace: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;

/** The Service `name` in `namespace`, or undefined when there is none. Other failures throw classified errors. */
export async function readService(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<V1Service | undefined> {
  try {
    return await client.request<V1Service>("GET", `${ns(namespace)}/services/${encodeURIComponent(name)}`);
  } catch (e: unknown) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The pod `name` in `namespace`, or undefined when there is none. */
export async function readPod(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<V1Pod | undefined> {
  try {
    return await client.request<V1Pod>("GET", `${ns(namespace)}/pods/${encodeURIComponent(name)}`);
  } catch (e: unknown) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Every node of the cluster (one LIST). */
export async function listNodes(client: KubeClient): Promise<V1Node[]> {
  return (await client.request<{ items: V1Node[] }>("LIST", "/api/v1/nodes")).items;
}

/**
 * The pods of `namespace` matching the label selector `labels` (all must
 * match), oldest first, so the first running one is stable across calls.
 */
export async function listPods(
  client: KubeClient,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): Promise<V1Pod[]> {
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const { items } = await client.request<{ items: V1Pod[] }>("LIST", `${ns(namespace)}/pods`, {
    query: { labelSelector },
  });
  const born = (p: V1Pod): string => String(p.metadata?.creationTimestamp ?? "");
  return items.sort((a, b) => (born(a) < born(b) ? -1 : born(a) > born(b) ? 1 : 0));
}
