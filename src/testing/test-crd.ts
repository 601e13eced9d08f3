import { after } from "node:test";
import type { KubeClient } from "../kube/client.ts";
import type { ResourceType } from "../api/resource-type.ts";
import { eventually } from "./eventually.ts";
import { waitForCrd } from "../operator/install-crds.ts";

/**
 * Installs a namespaced CRD `<plural>.<group>` (version v1, status
 * subresource, a free-form spec and status) for a test file, waits until it
 * is served, and deletes it when the file's tests end. Call it at the top
 * level of the test file. Use a group no other test file uses; a leftover
 * from an earlier run that is still being deleted is waited for.
 */
export async function installTestCrd(
  client: KubeClient,
  { group, kind, plural }: { group: string; kind: string; plural: string },
): Promise<ResourceType> {
  const name = `${plural}.${group}`;
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions`;
  const schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  await client.request("DELETE", `${path}/${name}`).catch(() => undefined);
  await eventually(`the old ${name} to be gone`, () =>
    client.request("GET", `${path}/${name}`).then(
      () => undefined,
      () => true,
    ),
  );
  await client.request("POST", path, {
    body: {
      metadata: { name },
      spec: {
        group,
        scope: "Namespaced",
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: schema, status: schema },
              },
            },
          },
        ],
      },
    },
  });
  await waitForCrd(client, name);
  after(async () => {
    await client.request("DELETE", `${path}/${name}`).catch(() => undefined);
  });
  return { group, version: "v1", kind, plural, namespaced: true };
}
