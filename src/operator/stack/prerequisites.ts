import type { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import type { Prerequisite } from "../../templates/template.ts";

/**
 * The prerequisites that do not exist yet, each as `Secret/name (from
 * /spec/params/field)` for the Pending condition. One GET each; the caller
 * requeues while anything is missing, so the stack proceeds within seconds of
 * the object appearing.
 */
export async function missingPrerequisites(
  client: KubeClient,
  namespace: string,
  prerequisites: readonly Prerequisite[],
  signal?: AbortSignal,
): Promise<string[]> {
  const missing: string[] = [];
  for (const p of prerequisites) {
    const plural = p.kind === "Secret" ? "secrets" : "configmaps";
    try {
      await client.request("GET", `/api/v1/namespaces/${namespace}/${plural}/${encodeURIComponent(p.name)}`, {
        ...(signal ? { signal } : {}),
      });
    } catch (e: unknown) {
      if (!isNotFound(e)) throw e;
      missing.push(`${p.kind}/${p.name} (from /spec/params${p.field})`);
    }
  }
  return missing;
}
