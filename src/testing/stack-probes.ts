/**
 * What the operator's multi-process tests and the chaos benchmark read back from the cluster:
 * stacks, their rollout and drift status, and Events counted with their series.
 */
import type { KubeClient } from "../kube/client.ts";
import { resourcePath } from "../kube/resource-type.ts";
import { stackResourceType, type Stack } from "../api/stack.ts";
import type { OperatorReplica } from "./operator-fleet.ts";
import { metricSum } from "./prometheus-text.ts";

/** `status.rollout` as the operator writes it (`status.stackwarden.rollout` for typed kinds). */
export interface RolloutStatus {
  readonly state: "Installing" | "Upgrading" | "RollingBack" | "RolledBack" | "Stable";
  readonly fromGeneration?: number;
  readonly toGeneration?: number;
  readonly startedAt?: string;
}

/** `status.drift` as the operator writes it. */
export interface DriftStatus {
  readonly corrections?: number;
  readonly fights?: number;
  readonly lastCorrection?: unknown;
}

/** The parts of a Stack's status these tests read, beyond the typed ones. */
export type ObservedStack = Stack & {
  status?: Stack["status"] & { rollout?: RolloutStatus; drift?: DriftStatus };
};

/** One events.k8s.io/v1 Event, as far as these tests read it. */
export interface ObservedEvent {
  readonly reason: string;
  readonly note?: string;
  readonly reportingInstance?: string;
  readonly regarding: { readonly kind?: string; readonly name: string };
  readonly series?: { readonly count?: number };
  readonly deprecatedCount?: number;
}

/** Reads a Stack with the status fields the operator's contract adds. */
export function readStack(client: KubeClient, namespace: string, name: string): Promise<ObservedStack> {
  return client.request<ObservedStack>("GET", resourcePath(stackResourceType, namespace, name));
}

/** Every Event in `namespace` (events.k8s.io/v1). */
export async function listEvents(client: KubeClient, namespace: string): Promise<ObservedEvent[]> {
  const list = await client.request<{ items: ObservedEvent[] }>(
    "LIST",
    `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
  );
  return list.items;
}

/**
 * How many times `reason` happened among `events`, counting an Event's series (a repeat within
 * the correlator's window updates one Event instead of writing another) and, when `regarding` is
 * given, only Events about objects of those names.
 */
export function occurrences(
  events: readonly ObservedEvent[],
  reason: string,
  regarding?: readonly string[],
): number {
  return events
    .filter((e) => e.reason === reason && (!regarding || regarding.includes(e.regarding.name)))
    .reduce((n, e) => n + Math.max(e.series?.count ?? 1, e.deprecatedCount ?? 1), 0);
}

/** The Event reasons that report drift found on a managed object. */
export const externalDriftReasons = ["ResourceDeletedExternally", "ResourceModifiedExternally"] as const;

/**
 * True when `replica` has no reconcile of `controller` queued or running: its work queue is empty
 * and no worker is busy. With its reconcile count, it is how a test knows a replica has looked.
 */
export async function idle(replica: OperatorReplica, controller: string): Promise<boolean> {
  const samples = await replica.metrics();
  return (
    metricSum(samples, "workqueue_depth", { name: controller }) === 0 &&
    metricSum(samples, "controller_runtime_active_workers", { controller }) === 0
  );
}

/** `controller_runtime_reconcile_total` of `controller` on `replica`, all results. */
export async function reconciles(replica: OperatorReplica, controller: string): Promise<number> {
  return metricSum(await replica.metrics(), "controller_runtime_reconcile_total", { controller });
}

/**
 * The `status` fields the Stack CRD installed in the cluster declares, for a failure message: on
 * a shared cluster another run may install an older CRD mid-test, and the API server then prunes
 * every status field it does not declare (`rollout`, `drift.pending`) from the operator's writes.
 */
export async function stackStatusFields(client: KubeClient): Promise<string> {
  const crd = await client.request<{
    spec: {
      versions: Array<{
        schema?: {
          openAPIV3Schema?: {
            properties?: { status?: { properties?: Record<string, { properties?: object }> } };
          };
        };
      }>;
    };
  }>("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/stacks.stackwarden.dev");
  const status = crd.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.status?.properties ?? {};
  const drift = Object.keys(status.drift?.properties ?? {});
  return `the cluster's Stack CRD declares status: ${Object.keys(status).sort().join(", ")}; status.drift: ${drift.sort().join(", ")}`;
}
