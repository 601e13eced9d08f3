import type { ChronikIoClusterSpec } from "../../api/chronik-io-cluster.ts";

/** The Kafka port when no listener names one, as the rewritten operator defaults it. */
export const defaultKafkaPort = 9092;
/** A node's admin API port is this plus its node id (10001, 10002, …). */
export const adminPortBase = 10000;

/**
 * The names the rewritten chronik-operator gives a cluster's children, so
 * users find what they know: the headless Service `<c>-headless`, the
 * budget `<c>-pdb`, and per node n (1-based) the pod and Service `<c>-<n>`,
 * the claim `<c>-<n>-data` and the ConfigMap `<c>-<n>-config`.
 */
export const chronikIoNames = {
  headless: (cluster: string): string => `${cluster}-headless`,
  pdb: (cluster: string): string => `${cluster}-pdb`,
  node: (cluster: string, id: number): string => `${cluster}-${id}`,
  data: (cluster: string, id: number): string => `${cluster}-${id}-data`,
  config: (cluster: string, id: number): string => `${cluster}-${id}-config`,
} as const;

/** The node ids of a cluster: 1 … replicas. */
export function nodeIds(spec: ChronikIoClusterSpec): number[] {
  return Array.from({ length: spec.replicas }, (_, i) => i + 1);
}

/** The Kafka port: the first listener's, 9092 without listeners. */
export function kafkaPort(spec: ChronikIoClusterSpec): number {
  return spec.listeners[0]?.port ?? defaultKafkaPort;
}

/** The stable DNS name of node `id`, through its own Service: `<c>-<n>.<ns>.svc.cluster.local`. */
export function nodeDnsName(cluster: string, id: number, namespace: string): string {
  return `${chronikIoNames.node(cluster, id)}.${namespace}.svc.cluster.local`;
}

/** Labels selecting every node pod of a cluster (they survive the engine's own labels). */
export const clusterSelector = (cluster: string): Record<string, string> => ({
  "chronik.io/cluster-name": cluster,
});

/** Labels selecting node `id`'s pod only. */
export const nodeSelector = (cluster: string, id: number): Record<string, string> => ({
  ...clusterSelector(cluster),
  "chronik.io/node-id": String(id),
});
