import { boundKinds } from "./kinds.ts";
import { kindCrds } from "./kind-binding.ts";
import { applyObject } from "../kube/apply.ts";
import type { KubeClient } from "../kube/client.ts";
import type { ResourceTypes } from "../kube/resource-type.ts";
import type { KubeObject } from "../api/object.ts";

/** The CustomResourceDefinitions the operator serves: one per bound kind, and those of the kinds they refer to. */
export function operatorCrds(): KubeObject[] {
  return boundKinds.flatMap(kindCrds);
}

/**
 * Installs or upgrades the operator's CRDs with server-side apply (a CRD
 * already at this version costs one GET and no write) and waits until the API
 * server serves them.
 */
export async function installCrds(
  client: KubeClient,
  types: ResourceTypes,
  crds: readonly KubeObject[] = operatorCrds(),
  timeoutMs = 60_000,
): Promise<void> {
  for (const crd of crds) {
    await applyObject({ client, types }, crd);
    await waitForCrd(client, crd.metadata.name, timeoutMs);
  }
}

/** Resolves once the CRD `name` is Established (served by the API server); throws after `timeoutMs`. */
export async function waitForCrd(client: KubeClient, name: string, timeoutMs = 60_000): Promise<void> {
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = await client.request<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
      "GET",
      path,
    );
    if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    if (Date.now() > deadline)
      throw new Error(`CRD ${name} was not established within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
