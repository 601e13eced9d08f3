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
 * Tempo's configuration: OTLP in, retention, local storage or S3 (keys from
 * the environment), and a memberlist ring over the headless Service when
 * scaled. Search needs no switch: Tempo 2 always serves it.
 */
export function tempoConfig(ctx: Ctx, replicas: number): Record<string, unknown> {
  const { params: spec, stack } = ctx;
  const t = spec.components.tempo!;
  const s3 = t.s3?.enabled ? t.s3 : undefined;
  return {
    server: { http_listen_port: 3200, log_level: spec.global?.logLevel ?? "info" },
    distributor: { receivers: { otlp: { protocols: { grpc: {}, http: {} } } } },
    ...(replicas > 1 && {
      memberlist: {
        bind_port: memberlistPort,
        join_members: [memberlistJoin(stack.name, stack.namespace, "tempo")],
      },
      ingester: { lifecycler: { ring: { kvstore: { store: "memberlist" }, replication_factor: 1 } } },
    }),
    compactor: { compaction: { block_retention: t.retention } },
    storage: {
      trace: s3
        ? {
            backend: "s3",
            s3: {
              bucket: s3.bucketName,
              region: s3.region,
              endpoint: s3.endpoint ?? `s3.${s3.region}.amazonaws.com`,
              access_key: "${AWS_ACCESS_KEY_ID}",
              secret_key: "${AWS_SECRET_ACCESS_KEY}",
            },
            wal: { path: "/var/tempo/wal" },
          }
        : { backend: "local", local: { path: "/var/tempo/traces" }, wal: { path: "/var/tempo/wal" } },
    },
  };
}

/**
 * Tempo: config → the S3 key Secret `<platform>-tempo-s3` when S3 is on →
 * StatefulSet of `replicas` (HA floor applied) → Service on 3200 and OTLP
 * 4317/4318, and the memberlist Service when scaled. Nothing when off.
 */
export function buildTempo(ctx: Ctx): Manifest[] {
  const { params: spec, stack } = ctx;
  const t = spec.components.tempo;
  if (!t || !isOn(t)) return [];
  const replicas = haReplicas(spec, t.replicas);
  const s3 = s3Credentials(stack.name, "tempo", t.s3);
  const data = { "tempo.yaml": toYaml(tempoConfig(ctx, replicas)) };
  const ports = [
    { name: "http", port: 3200 },
    { name: "otlp-grpc", port: 4317 },
    { name: "otlp-http", port: 4318 },
  ];
  return [
    buildConfigMap(stack.name, "tempo", data),
    ...(s3 ? [s3.secret] : []),
    buildWorkload(spec, {
      kind: "StatefulSet",
      platform: stack.name,
      component: "tempo",
      image: `grafana/tempo:${bareTag(t.version || fallbackVersions.tempo)}`,
      args: ["-config.file=/etc/tempo/tempo.yaml", ...(s3 ? ["-config.expand-env=true"] : [])],
      ...(s3 && { env: s3.env }),
      ports: [...ports, ...(replicas > 1 ? [{ name: "memberlist", port: memberlistPort }] : [])],
      replicas,
      runAsUser: 10001,
      resources: containerResources(t.resources, { cpu: "100m", memory: "256Mi" }),
      mounts: [{ name: "config", path: "/etc/tempo", configMap: `${stack.name}-tempo-config` }],
      dataPath: "/var/tempo",
      storage: t.storage ?? { size: "10Gi" },
      readinessPath: "/ready",
      configHash: hashOf({ data, secret: s3?.hash ?? "" }),
    }),
    buildService(stack.name, "tempo", ports),
    ...(replicas > 1 ? [buildMemberlistService(stack.name, "tempo")] : []),
  ];
}
