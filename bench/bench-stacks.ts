import { stackResourceType } from "../src/api/stack.ts";
import type { KubeClient } from "../src/kube/client.ts";
import { resourcePath } from "../src/kube/resource-type.ts";

/** Runs `fn` over `items`, at most `concurrency` at a time. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Creates one minecraft-java Stack per name in `namespace`, 32 at a time: "N stacks at once". */
export async function createStacks(
  client: KubeClient,
  namespace: string,
  names: string[],
  params: Record<string, unknown> = { eula: true, memory: "1G" },
): Promise<void> {
  await pool(names, 32, async (name) => {
    await client.request("POST", resourcePath(stackResourceType, namespace), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name },
        spec: { template: "minecraft-java", params },
      },
    });
  });
}
