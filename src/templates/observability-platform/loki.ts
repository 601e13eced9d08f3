import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { bareTag, fallbackVersions, isOn } from "./switches.ts";
import { buildRingStore, memberlistBlock } from "./ring-store.ts";

type Ctx = RenderContext<ObservabilityPlatformSpec>;

/**
 * Loki's configuration: one ring in memory for a single replica, a memberlist
 * ring over the headless Service (replication factor up to 3) for more;
 * filesystem storage, or S3 whose keys are read from the environment;
 * retention enforced by the compactor unless `compactorEnabled: false`.
 */
export function lokiConfig(ctx: Ctx, replicas: number): Record<string, unknown> {
  const { params: spec } = ctx;
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
      memberlist: memberlistBlock(ctx, "loki"),
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
 * Loki: its {@link buildRingStore} on 3100, `${VAR}` always expanded. Nothing when off.
 */
export function buildLoki(ctx: Ctx): Manifest[] {
  const l = ctx.params.components.loki;
  if (!l || !isOn(l)) return [];
  return buildRingStore(ctx, {
    component: "loki",
    settings: l,
    image: `grafana/loki:${bareTag(l.version || fallbackVersions.loki)}`,
    config: (replicas) => lokiConfig(ctx, replicas),
    ports: [{ name: "http", port: 3100 }],
    alwaysExpandEnv: true,
    dataPath: "/loki",
  });
}
