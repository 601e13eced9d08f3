import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { bareTag, fallbackVersions, isOn } from "./switches.ts";
import { buildRingStore, memberlistBlock } from "./ring-store.ts";

type Ctx = RenderContext<ObservabilityPlatformSpec>;

/**
 * Tempo's configuration: OTLP in, retention, local storage or S3 (keys from
 * the environment), and a memberlist ring over the headless Service when
 * scaled. Search needs no switch: Tempo 2 always serves it.
 */
export function tempoConfig(ctx: Ctx, replicas: number): Record<string, unknown> {
  const { params: spec } = ctx;
  const t = spec.components.tempo!;
  const s3 = t.s3?.enabled ? t.s3 : undefined;
  return {
    server: { http_listen_port: 3200, log_level: spec.global?.logLevel ?? "info" },
    distributor: { receivers: { otlp: { protocols: { grpc: {}, http: {} } } } },
    ...(replicas > 1 && {
      memberlist: memberlistBlock(ctx, "tempo"),
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
 * Tempo: its {@link buildRingStore} on 3200 and OTLP 4317/4318. Nothing when off.
 */
export function buildTempo(ctx: Ctx): Manifest[] {
  const t = ctx.params.components.tempo;
  if (!t || !isOn(t)) return [];
  return buildRingStore(ctx, {
    component: "tempo",
    settings: t,
    image: `grafana/tempo:${bareTag(t.version || fallbackVersions.tempo)}`,
    config: (replicas) => tempoConfig(ctx, replicas),
    ports: [
      { name: "http", port: 3200 },
      { name: "otlp-grpc", port: 4317 },
      { name: "otlp-http", port: 4318 },
    ],
    alwaysExpandEnv: false,
    dataPath: "/var/tempo",
  });
}
