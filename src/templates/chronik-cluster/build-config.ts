import type { ChronikClusterSpec } from "../../api/chronik-cluster.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { chronikPorts, desiredReplicas, roleName } from "./roles.ts";

/** The ConfigMap of a cluster: `<cluster>-config`. */
export const configMapName = (cluster: string): string => `${cluster}-config`;

/**
 * Chronik's non-secret settings as environment variables, in a fixed key
 * order (pods carry its hash): storage backend and bucket, the metastore's
 * address (never its credentials, which come from the Secret by reference),
 * the controllers' addresses, TLS and telemetry switches.
 */
export function chronikEnvironment(
  cluster: string,
  namespace: string,
  spec: ChronikClusterSpec,
): Record<string, string> {
  const { storage, metastore } = spec;
  const env: Record<string, string> = {
    CHRONIK_CLUSTER_NAME: cluster,
    CHRONIK_STORAGE_BACKEND: storage.backend,
  };
  if (storage.s3) {
    env["CHRONIK_S3_BUCKET"] = storage.s3.bucket;
    env["CHRONIK_S3_REGION"] = storage.s3.region;
    if (storage.s3.endpoint) env["CHRONIK_S3_ENDPOINT"] = storage.s3.endpoint;
  }
  if (storage.gcs) env["CHRONIK_GCS_BUCKET"] = storage.gcs.bucket;
  if (storage.azure) {
    env["CHRONIK_AZURE_CONTAINER"] = storage.azure.container;
    env["CHRONIK_AZURE_ACCOUNT"] = storage.azure.account;
  }
  env["CHRONIK_METASTORE_TYPE"] = metastore.database;
  env["CHRONIK_METASTORE_HOST"] = metastore.connection.host;
  env["CHRONIK_METASTORE_PORT"] = String(metastore.connection.port);
  env["CHRONIK_METASTORE_DATABASE"] = metastore.connection.database;
  const controller = roleName(cluster, "controller");
  env["CHRONIK_CONTROLLER_ENDPOINTS"] = Array.from(
    { length: desiredReplicas(spec, "controller") },
    (_, i) => `${controller}-${i}.${controller}.${namespace}.svc.cluster.local:${chronikPorts.grpc}`,
  ).join(",");
  env["CHRONIK_METRICS_PORT"] = String(chronikPorts.metrics);
  env["CHRONIK_HEALTH_PORT"] = String(chronikPorts.health);
  env["CHRONIK_PROMETHEUS_ENABLED"] = String(spec.monitoring?.prometheus ?? false);
  env["CHRONIK_TRACING_ENABLED"] = String(spec.monitoring?.tracing ?? false);
  if (spec.monitoring?.otlpEndpoint) env["OTEL_EXPORTER_OTLP_ENDPOINT"] = spec.monitoring.otlpEndpoint;
  env["CHRONIK_TLS_ENABLED"] = String(spec.security?.tlsEnabled ?? false);
  env["CHRONIK_MTLS_ENABLED"] = String(spec.security?.mtlsEnabled ?? false);
  return env;
}

/** The ConfigMap `<cluster>-config` holding {@link chronikEnvironment}. */
export function buildChronikConfigMap(
  cluster: string,
  namespace: string,
  spec: ChronikClusterSpec,
): Manifest {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: configMapName(cluster) },
    data: chronikEnvironment(cluster, namespace, spec),
  };
}
