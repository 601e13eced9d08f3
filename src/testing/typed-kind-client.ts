import type { KubeObject } from "../api/object.ts";
import type { ResourceType } from "../api/resource-type.ts";
import type { KubeClient } from "../kube/client.ts";
import { resourcePath } from "../kube/resource-type.ts";
import { describeNamespace, type TestNamespace } from "./cluster.ts";
import { eventually } from "./eventually.ts";

/** An object of a typed kind with the status fields a phase wait reads. */
type Phased = KubeObject & { status?: { phase?: string; observedGeneration?: number } };

/** See {@link typedKindClient}. */
export interface TypedKindClient<T> {
  readonly path: (name?: string) => string;
  readonly core: (plural: string, name?: string) => string;
  readonly explain: { explain: () => Promise<string> };
  readonly read: (name: string) => Promise<T>;
  readonly create: (name: string, spec: Record<string, unknown>) => Promise<T>;
  readonly inPhase: (name: string, phase: string, timeoutMs?: number) => Promise<T>;
}

/**
 * What a typed kind's integration test does with its objects in the file's namespace: their
 * paths, a core path, `create` (strict field validation), `read`, and `inPhase`, which waits until
 * the object reports `phase` for its current generation (polled every 200 ms, the namespace
 * described on timeout).
 */
export function typedKindClient<T extends Phased>(
  client: KubeClient,
  ns: TestNamespace,
  type: ResourceType,
  defaultTimeoutMs: number,
): TypedKindClient<T> {
  const path = (name?: string): string => resourcePath(type, ns.namespace, name);
  const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };
  const read = (name: string): Promise<T> => client.request<T>("GET", path(name));
  return {
    path,
    core: (plural: string, name?: string): string =>
      `/api/v1/namespaces/${ns.namespace}/${plural}${name ? `/${name}` : ""}`,
    explain,
    read,
    create: (name: string, spec: Record<string, unknown>): Promise<T> =>
      client.request<T>("POST", path(), {
        body: { apiVersion: `${type.group}/${type.version}`, kind: type.kind, metadata: { name }, spec },
        query: { fieldValidation: "Strict" },
      }),
    inPhase: (name: string, phase: string, timeoutMs = defaultTimeoutMs): Promise<T> =>
      eventually(
        `${name} to be ${phase}`,
        async () => {
          const c = await read(name);
          return c.status?.phase === phase && c.status.observedGeneration === c.metadata.generation
            ? c
            : undefined;
        },
        { timeoutMs, intervalMs: 200, ...explain },
      ),
  };
}
