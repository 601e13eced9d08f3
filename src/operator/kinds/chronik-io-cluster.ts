import { latestTransition } from "../../engine/conditions.ts";
import {
  chronikIoClusterCrd,
  chronikIoClusterResourceType,
  type ChronikIoCluster,
  type ChronikIoClusterPhase,
} from "../../api/chronik-io-cluster.ts";
import type { Stack, StackPhase, StackStatus } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import { chronikIoNames, kafkaPort, nodeDnsName, nodeIds } from "../../templates/chronik-io-cluster/names.ts";
import { chronikIoCluster } from "../../templates/chronik-io-cluster/template.ts";
import type { KindBinding } from "../kind-binding.ts";
import { kindCondition, typedKindAsStack } from "./typed-stack.ts";

/** The finalizer the operator holds on every `chronik.io` ChronikCluster, the rewritten operator's own. */
export const chronikIoClusterFinalizer = "chronik.io/operator-cleanup";

/**
 * The `chronik.io` phase for an engine phase and the ready nodes: Ready →
 * Running, installing with no node ready → Bootstrapping and with some →
 * Degraded (upstream's rule), Upgrading → Updating, Paused → Pending.
 */
export function chronikIoPhase(engine: StackPhase | undefined, readyNodes: number): ChronikIoClusterPhase {
  switch (engine) {
    case "Ready":
      return "Running";
    case "Installing":
      return readyNodes > 0 ? "Degraded" : "Bootstrapping";
    case "Upgrading":
      return "Updating";
    case "Failed":
    case "Deleting":
      return engine;
    default:
      return "Pending";
  }
}

/** Per-node status: a node is ready when the engine last judged its pod Healthy. */
function nodeStatuses(engine: StackStatus, object: ChronikIoCluster): Array<Record<string, unknown>> {
  const cluster = object.metadata.name;
  return nodeIds(object.spec).map((nodeId) => {
    const podName = chronikIoNames.node(cluster, nodeId);
    const pod = engine.resources?.find((r) => r.kind === "Pod" && r.name === podName);
    const ready = pod?.health === "Healthy";
    return { nodeId, podName, phase: ready ? "Running" : "Pending", ready, isLeader: false };
  });
}

/**
 * The `chronik.io` ChronikCluster status for an engine status, in the
 * rewritten operator's fields: phase, `desiredNodes` (spec.replicas),
 * `readyNodes` and `nodes[]` (from the pods' health as the engine tracked
 * it), `headlessService`, the served listener with its bootstrap servers,
 * one `Ready` condition (AllNodesReady / NodesNotReady, or the engine's
 * reason while Pending or Failed) and `observedGeneration`. The leader and
 * partition summary need the nodes' admin API and are left out, as
 * upstream leaves the leader out. Pure.
 */
export function projectChronikIoStatus(
  engine: StackStatus,
  object: ChronikIoCluster,
): Record<string, unknown> {
  const { spec } = object;
  const cluster = object.metadata.name;
  const namespace = object.metadata.namespace ?? "default";
  const nodes = nodeStatuses(engine, object);
  const readyNodes = nodes.filter((n) => n.ready === true).length;
  const phase = chronikIoPhase(engine.phase, readyNodes);
  const lastUpdated = latestTransition(engine.conditions) ?? "";
  const engineReady = engine.conditions?.find((c) => c.type === "Ready");
  const [status, reason, message] =
    phase === "Running"
      ? (["True", "AllNodesReady", `All ${readyNodes} nodes are ready`] as const)
      : (phase === "Pending" || phase === "Failed") && engineReady
        ? (["False", engineReady.reason, engineReady.message] as const)
        : (["False", "NodesNotReady", `${readyNodes}/${spec.replicas} nodes ready`] as const);
  const served = spec.listeners[0];
  const bootstrap = nodeIds(spec)
    .map((id) => `${nodeDnsName(cluster, id, namespace)}:${kafkaPort(spec)}`)
    .join(",");
  const out: Record<string, unknown> = {
    phase,
    desiredNodes: spec.replicas,
    readyNodes,
    nodes,
    headlessService: `${chronikIoNames.headless(cluster)}.${namespace}.svc.cluster.local`,
    listeners: served ? [{ name: served.name, type: served.type, bootstrapServers: bootstrap }] : [],
    conditions: [
      kindCondition(
        object.status?.conditions ?? [],
        "Ready",
        status,
        reason,
        message,
        lastUpdated,
        engine.observedGeneration,
      ),
    ],
  };
  if (engine.observedGeneration !== undefined) out["observedGeneration"] = engine.observedGeneration;
  return out;
}

/** Rules the schema does not express, as `/spec/…: message` problems: a TLS listener needs its Secret. */
export function validateChronikIoCluster(object: ChronikIoCluster): string[] {
  return object.spec.listeners.flatMap((l, i) =>
    l.tls && l.tlsSecret === undefined
      ? [`/spec/listeners/${i}/tlsSecret: is required when tls is true`]
      : [],
  );
}

/** The `chronik.io` ChronikCluster as the engine sees it: the `chronik-io-cluster` template. */
export function chronikIoClusterAsStack(object: ChronikIoCluster): Stack {
  return typedKindAsStack(object, chronikIoCluster.name);
}

/**
 * `ChronikCluster` (`chronik.io/v1alpha1`, the rewritten chronik-operator's
 * API) bound to the Stack engine: finalizer `chronik.io/operator-cleanup`,
 * the `chronik-io-cluster` template, the engine's status under
 * `status.stackwarden` projected into upstream's status fields.
 */
export const chronikIoClusterBinding: KindBinding = {
  type: chronikIoClusterResourceType,
  finalizer: chronikIoClusterFinalizer,
  crd: chronikIoClusterCrd,
  asStack: (object: KubeObject) => chronikIoClusterAsStack(object as ChronikIoCluster),
  projectStatus: (engine, object) => projectChronikIoStatus(engine, object as ChronikIoCluster),
  validate: (object) => validateChronikIoCluster(object as ChronikIoCluster),
};
