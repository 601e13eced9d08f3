import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import type { Manifest } from "../../resources/manifest.ts";
import type { RenderContext } from "../template.ts";
import { toYaml } from "./prometheus.ts";
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
  type S3Block,
  type StorageBlock,
} from "./workload.ts";

type Ctx = RenderContext<ObservabilityPlatformSpec>;

/** What tells Loki and Tempo apart when they are rendered: the rest is {@link buildRingStore}'s. */
export interface RingStore {
  readonly component: "loki" | "tempo";
  /** The component's block as the owner wrote it. */
  readonly settings: {
    readonly replicas: number;
    readonly s3?: S3Block | undefined;
    readonly resources?: Parameters<typeof containerResources>[0];
    readonly storage?: StorageBlock | undefined;
  };
  /** The image with its tag. */
  readonly image: string;
  /** The configuration for `replicas` pods. */
  readonly config: (replicas: number) => Record<string, unknown>;
  /** The ports clients reach through the Service (the first is the HTTP port). */
  readonly ports: ReadonlyArray<{ name: string; port: number }>;
  /** Whether `${VAR}` is expanded in the configuration without S3 too. */
  readonly alwaysExpandEnv: boolean;
  readonly dataPath: string;
}

/** The memberlist block of a component's configuration: its port, joining its headless Service. */
export function memberlistBlock(ctx: Ctx, component: RingStore["component"]): Record<string, unknown> {
  return {
    bind_port: memberlistPort,
    join_members: [memberlistJoin(ctx.stack.name, ctx.stack.namespace, component)],
  };
}

/**
 * A Grafana store (Loki, Tempo): config `<platform>-<component>-config` → the S3 key Secret
 * `<platform>-<component>-s3` when S3 is on → StatefulSet of `replicas` (HA floor applied), as
 * user 10001, on the configuration's `-config.file` → Service on its ports, and the memberlist
 * Service (and port) when scaled.
 */
export function buildRingStore(ctx: Ctx, r: RingStore): Manifest[] {
  const { params: spec, stack } = ctx;
  const c = r.component;
  const replicas = haReplicas(spec, r.settings.replicas);
  const s3 = s3Credentials(stack.name, c, r.settings.s3);
  const data = { [`${c}.yaml`]: toYaml(r.config(replicas)) };
  const memberlist = replicas > 1 ? [{ name: "memberlist", port: memberlistPort }] : [];
  return [
    buildConfigMap(stack.name, c, data),
    ...(s3 ? [s3.secret] : []),
    buildWorkload(spec, {
      kind: "StatefulSet",
      platform: stack.name,
      component: c,
      image: r.image,
      args: [
        `-config.file=/etc/${c}/${c}.yaml`,
        ...(s3 || r.alwaysExpandEnv ? ["-config.expand-env=true"] : []),
      ],
      ...(s3 && { env: s3.env }),
      ports: [...r.ports, ...memberlist],
      replicas,
      runAsUser: 10001,
      resources: containerResources(r.settings.resources, { cpu: "100m", memory: "256Mi" }),
      mounts: [{ name: "config", path: `/etc/${c}`, configMap: `${stack.name}-${c}-config` }],
      dataPath: r.dataPath,
      storage: r.settings.storage ?? { size: "10Gi" },
      readinessPath: "/ready",
      configHash: hashOf({ data, secret: s3?.hash ?? "" }),
    }),
    buildService(stack.name, c, [...r.ports]),
    ...(replicas > 1 ? [buildMemberlistService(stack.name, c)] : []),
  ];
}
