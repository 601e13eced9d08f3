import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { toYaml } from "./prometheus.ts";
import { bareTag, fallbackVersions, isOn } from "./switches.ts";
import {
  buildConfigMap,
  buildMemberlistService,
  buildService,
  buildWorkload,
  containerResources,
  haReplicas,
  hashOf,
  memberlistJoin,
  memberlistPort,
  s3Credentials,
} from "./workload.ts";

type Ctx = RenderContext<ObservabilityPlatformSpec>;

/**
 * Loki's configuration: one ring in memory for a single replica, a memberlist
 * ring over the headless Service (replication factor up to 3) for more;
 * filesystem storage, or S3 whose keys are read from the environment;
 * retention enforced by the compactor unless `compactorEnabled: false`.
 */
export function lokiConfig(ctx: Ctx, replicas: number): Record<string, unknown> {
  const { params: spec, stack } = ctx;
  const l = spec.components.loki!;
  const s3 = l.s3?.enabled ? l.s3 : undefined;
  const store = s3 ? "s3" : "filesystem";
  const scaled = replicas > 1;
  return {
    auth_enabled: false,
    server: { http_listen_port: 3100, log_level: spec.global?.logLevel ?? "info" },
    common: {
      path_prefix: "/loki",
      replication_factor: Math.min(replicas, 3),
      ring: { kvstore: { store: scaled ? "memberlist" : "inmemory" } },
      storage: s3
        ? {
            s3: {
              bucketnames: s3.bucketName,
              region: s3.region,
              ...(s3.endpoint && { endpoint: s3.endpoint }),
              access_key_id: "${AWS_ACCESS_KEY_ID}",
              secret_access_key: "${AWS_SECRET_ACCESS_KEY}",
            },
          }
        : { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
    },
    ...(scaled && {
      memberlist: {
        bind_port: memberlistPort,
        join_members: [memberlistJoin(stack.name, stack.namespace, "loki")],
      },
    }),
    schema_config: {
      configs: [
        {
          from: "2024-01-01",
          store: "tsdb",
          object_store: store,
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    limits_config: { retention_period: l.retention },
    compactor: {
      working_directory: "/loki/compactor",
      retention_enabled: l.compactorEnabled !== false,
      ...(l.compactorEnabled !== false && { delete_request_store: store }),
    },
  };
}

/**
 * Loki: config → the S3 key Secret `<platform>-loki-s3` when S3 is on →
 * StatefulSet of `replicas` (HA floor applied) → Service on 3100, and the
 * memberlist Service when scaled. Nothing when off.
 */
export function buildLoki(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const l = spec.components.loki;
  if (!l || !isOn(l)) return [];
  const replicas = haReplicas(spec, l.replicas);
  const s3 = s3Credentials(stack.name, "loki", l.s3);
  const data = { "loki.yaml": toYaml(lokiConfig(ctx, replicas)) };
  const ports = [
    { name: "http", port: 3100 },
    ...(replicas > 1 ? [{ name: "memberlist", port: memberlistPort }] : []),
  ];
  return [
    buildConfigMap(stack.name, "loki", data),
    ...(s3 ? [s3.secret] : []),
    buildWorkload(spec, {
      kind: "StatefulSet",
      platform: stack.name,
      component: "loki",
      image: `grafana/loki:${bareTag(l.version || fallbackVersions.loki)}`,
      args: ["-config.file=/etc/loki/loki.yaml", "-config.expand-env=true"],
      ...(s3 && { env: s3.env }),
      ports,
      replicas,
      runAsUser: 10001,
      resources: containerResources(l.resources, { cpu: "100m", memory: "256Mi" }),
      mounts: [{ name: "config", path: "/etc/loki", configMap: `${stack.name}-loki-config` }],
      dataPath: "/loki",
      storage: l.storage ?? { size: "10Gi" },
      readinessPath: "/ready",
      configHash: hashOf({ data, secret: s3?.hash ?? "" }),
    }),
    buildService(stack.name, "loki", ports.slice(0, 1)),
    ...(replicas > 1 ? [buildMemberlistService(stack.name, "loki")] : []),
  ];
}
