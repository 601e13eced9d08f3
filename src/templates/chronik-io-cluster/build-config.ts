import type { ChronikIoClusterSpec } from "../../api/chronik-io-cluster.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { chronikIoNames, kafkaPort, nodeDnsName, nodeIds, nodeSelector } from "./names.ts";

/** A TOML basic string: TOML's escapes for `"`, `\` and control characters are JSON's. */
const str = (s: string): string => JSON.stringify(s);

/**
 * Node `id`'s `cluster.toml`, the shape chronik-server's cluster config
 * reads: node id, data dir `/data`, replication settings, bind addresses on
 * 0.0.0.0 and advertised addresses through the node's own Service for
 * Kafka, WAL and Raft, and every node as a `[[peers]]` entry. Pure.
 */
export function clusterToml(
  cluster: string,
  namespace: string,
  id: number,
  spec: ChronikIoClusterSpec,
): string {
  const kafka = kafkaPort(spec);
  const host = nodeDnsName(cluster, id, namespace);
  const addresses = (h: string): string[] => [
    `kafka = ${str(`${h}:${kafka}`)}`,
    `wal = ${str(`${h}:${spec.walPort}`)}`,
    `raft = ${str(`${h}:${spec.raftPort}`)}`,
  ];
  const peers = nodeIds(spec).flatMap((peer) => [
    "",
    "[[peers]]",
    `id = ${peer}`,
    ...addresses(nodeDnsName(cluster, peer, namespace)),
  ]);
  return [
    "enabled = true",
    `node_id = ${id}`,
    `data_dir = ${str("/data")}`,
    `replication_factor = ${spec.replicationFactor}`,
    `min_insync_replicas = ${spec.minInsyncReplicas}`,
    `auto_recover = ${spec.autoRecover}`,
    "",
    "[bind]",
    ...addresses("0.0.0.0"),
    "",
    "[advertise]",
    ...addresses(host),
    ...peers,
    "",
  ].join("\n");
}

/** Node `id`'s ConfigMap `<c>-<n>-config` holding `cluster.toml`. */
export function buildNodeConfigMap(
  cluster: string,
  namespace: string,
  id: number,
  spec: ChronikIoClusterSpec,
): Manifest {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: chronikIoNames.config(cluster, id), labels: nodeSelector(cluster, id) },
    data: { "cluster.toml": clusterToml(cluster, namespace, id, spec) },
  };
}
