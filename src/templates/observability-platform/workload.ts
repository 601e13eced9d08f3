import { createHash } from "node:crypto";
import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import {
  restrictedContainerSecurityContext,
  restrictedSecurityContext,
} from "../../resources/pod-defaults.ts";
import { canonicalCpu, cpuPattern, formatMebibytes } from "../../resources/quantity.ts";

/** The platform's components in install order, with the port their Service serves first. */
export const platformPorts = {
  prometheus: 9090,
  loki: 3100,
  tempo: 3200,
  grafana: 3000,
  alertmanager: 9093,
  collector: 4317,
} as const;
/** A component of the platform. */
export type PlatformComponent = keyof typeof platformPorts;

/** Annotation on pod templates holding the hash of their configuration, so a change rolls the pods. */
export const configHashAnnotation = "stackwarden.dev/config-hash";

/** `<platform>-<component>`: the name of a component's workload and Service. */
export const componentName = (platform: string, component: PlatformComponent): string =>
  `${platform}-${component}`;

/** The in-cluster URL of a component's Service: `http://<platform>-<component>.<ns>.svc.cluster.local:<port>`. */
export function serviceUrl(platform: string, namespace: string, component: PlatformComponent): string {
  return `http://${componentName(platform, component)}.${namespace}.svc.cluster.local:${platformPorts[component]}`;
}

/** The first 16 hex digits of the SHA-256 of `value` as JSON. */
export function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/** A memory quantity as the API server prints it (`1024Mi` → `1Gi`); other forms unchanged. */
export function canonicalMemory(memory: string): string {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(memory);
  if (!m) return memory;
  const kib = Number(m[1]) * { Ki: 1, Mi: 1024, Gi: 1024 ** 2, Ti: 1024 ** 3 }[m[2] as "Ki"];
  return kib % 1024 === 0 ? formatMebibytes(kib / 1024) : memory;
}

type Resources = { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };

/** Container resources in canonical quantities, with `fallback` requests when the owner gave none. */
export function containerResources(
  given: Resources | undefined,
  fallback: { cpu: string; memory: string },
): Record<string, Record<string, string>> {
  const list = (l: { cpu?: string; memory?: string } | undefined): Record<string, string> => ({
    ...(l?.cpu !== undefined && {
      cpu: new RegExp(cpuPattern).test(l.cpu) ? canonicalCpu(l.cpu) : l.cpu,
    }),
    ...(l?.memory !== undefined && { memory: canonicalMemory(l.memory) }),
  });
  const requests = given?.requests ? list(given.requests) : list(fallback);
  const limits = list(given?.limits);
  return Object.keys(limits).length > 0 ? { requests, limits } : { requests };
}

/** A component's `storage` block: size, class, and a claim spec of the owner's merged under ours. */
export type StorageBlock = { size: string; storageClassName?: string; volumeClaimTemplate?: object };

/**
 * The data claim's spec: ReadWriteOnce of `size` in `storageClassName`, under
 * the owner's `volumeClaimTemplate` (a claim, whose `spec` is taken, or a
 * claim spec), whose own access modes, selector, class and requests win.
 */
export function claimSpec(storage: StorageBlock): Record<string, unknown> {
  const template = (storage.volumeClaimTemplate ?? {}) as Record<string, unknown>;
  const own = (typeof template["spec"] === "object" ? template["spec"] : template) as Record<string, unknown>;
  const ownRequests = (own["resources"] as Record<string, unknown> | undefined)?.["requests"] ?? {};
  return {
    accessModes: ["ReadWriteOnce"],
    ...(storage.storageClassName && { storageClassName: storage.storageClassName }),
    ...own,
    resources: {
      ...(own["resources"] as object | undefined),
      requests: { storage: canonicalMemory(storage.size), ...ownRequests },
    },
  };
}

/** What differs between the platform's workloads. */
export interface Workload {
  readonly kind: "StatefulSet" | "Deployment";
  readonly platform: string;
  readonly component: PlatformComponent;
  readonly image: string;
  readonly args: readonly string[];
  readonly ports: ReadonlyArray<{ name: string; port: number }>;
  readonly replicas: number;
  readonly runAsUser: number;
  readonly resources: Record<string, Record<string, string>>;
  /** ConfigMaps mounted read-only (only `items` when given): volume name, mount path, source. */
  readonly mounts: ReadonlyArray<{
    name: string;
    path: string;
    configMap: string;
    items?: readonly string[];
  }>;
  /** Secrets mounted read-only: volume name, mount path, Secret name. */
  readonly secretMounts?: ReadonlyArray<{ name: string; path: string; secret: string }>;
  readonly env?: readonly Record<string, unknown>[];
  /** Data volume at `dataPath`: a claim of `size` for a StatefulSet, else an emptyDir. */
  readonly dataPath: string;
  readonly storage?: StorageBlock | undefined;
  readonly readinessPath: string;
  /** The readiness probe's scheme: HTTPS when the component serves TLS. */
  readonly readinessScheme?: "HTTP" | "HTTPS";
  /** Hash of the configuration the pods load, on the pod template. */
  readonly configHash: string;
}

/**
 * Replicas under the owner's high-availability settings: at least
 * `minReplicas` when HA is on (the design's default), as asked otherwise.
 */
export function haReplicas(spec: ObservabilityPlatformSpec, replicas: number): number {
  const ha = spec.highAvailability;
  return ha?.enabled ? Math.max(replicas, ha.minReplicas) : replicas;
}

/** Pod anti-affinity among a component's pods when HA is on: preferred (soft) or required (hard). */
export function antiAffinity(
  spec: ObservabilityPlatformSpec,
  platform: string,
  component: PlatformComponent,
): Record<string, unknown> | undefined {
  const ha = spec.highAvailability;
  if (!ha?.enabled) return undefined;
  const term = {
    labelSelector: { matchLabels: selectorLabels({ stack: platform, component }) },
    topologyKey: ha.antiAffinity?.topologyKey ?? "kubernetes.io/hostname",
  };
  return ha.antiAffinity?.type === "hard"
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
        },
      };
}

/**
 * A component's StatefulSet or Deployment: non-root under Pod Security
 * "restricted" (the owner's `global.securityContext` ids win), the global
 * node selector and tolerations, HA anti-affinity, config mounted read-only,
 * an HTTP readiness probe, and the data volume (a claim for a StatefulSet).
 */
export function buildWorkload(spec: ObservabilityPlatformSpec, w: Workload): Manifest {
  const name = componentName(w.platform, w.component);
  const sc = spec.global?.securityContext;
  const affinity = {
    ...antiAffinity(spec, w.platform, w.component),
    ...(spec.global?.affinity as Record<string, unknown> | undefined),
  };
  const nodeSelector = { ...spec.global?.nodeSelector, ...spec.nodeSelector };
  const claim = w.kind === "StatefulSet" && w.storage !== undefined;
  const volumes = [
    ...w.mounts.map((m) => ({
      name: m.name,
      configMap: {
        name: m.configMap,
        ...(m.items && { items: m.items.map((key) => ({ key, path: key })) }),
      },
    })),
    ...(w.secretMounts ?? []).map((m) => ({ name: m.name, secret: { secretName: m.secret } })),
    ...(claim ? [] : [{ name: "data", emptyDir: {} }]),
  ];
  const podSpec = {
    securityContext: restrictedSecurityContext({
      runAsUser: sc?.runAsUser ?? w.runAsUser,
      runAsGroup: sc?.runAsGroup ?? w.runAsUser,
      fsGroup: sc?.fsGroup ?? w.runAsUser,
    }),
    enableServiceLinks: false,
    ...(Object.keys(nodeSelector).length > 0 && { nodeSelector }),
    ...(spec.global?.tolerations && { tolerations: spec.global.tolerations }),
    ...(Object.keys(affinity).length > 0 && { affinity }),
    ...(spec.global?.imagePullSecrets && { imagePullSecrets: spec.global.imagePullSecrets }),
    containers: [
      {
        name: w.component,
        image: w.image,
        imagePullPolicy: "IfNotPresent",
        args: [...w.args],
        ...(w.env && { env: w.env }),
        ports: w.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
        resources: w.resources,
        readinessProbe: {
          httpGet: {
            path: w.readinessPath,
            port: w.ports[0]?.name ?? "http",
            ...(w.readinessScheme === "HTTPS" && { scheme: "HTTPS" }),
          },
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 3,
        },
        securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: true }),
        volumeMounts: [
          ...w.mounts.map((m) => ({ name: m.name, mountPath: m.path, readOnly: true })),
          ...(w.secretMounts ?? []).map((m) => ({ name: m.name, mountPath: m.path, readOnly: true })),
          { name: "data", mountPath: w.dataPath },
        ],
      },
    ],
    volumes,
  };
  const template = { metadata: { annotations: { [configHashAnnotation]: w.configHash } }, spec: podSpec };
  const storage = w.storage;
  return {
    apiVersion: "apps/v1",
    kind: w.kind,
    metadata: { name },
    spec: {
      replicas: w.replicas,
      ...(w.kind === "StatefulSet" && { serviceName: name }),
      template,
      ...(claim &&
        storage && {
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: claimSpec(storage),
            },
          ],
        }),
    },
  };
}

/** A component's ClusterIP Service on its ports, by name. */
export function buildService(
  platform: string,
  component: PlatformComponent,
  ports: ReadonlyArray<{ name: string; port: number }>,
): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: componentName(platform, component) },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels({ stack: platform, component }),
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
    },
  };
}

/** A ConfigMap `<platform>-<component>-config` with the given files. */
export function buildConfigMap(
  platform: string,
  component: PlatformComponent,
  data: Record<string, string>,
): Manifest {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${componentName(platform, component)}-config` },
    data,
  };
}

/** The S3 block a component uses when `enabled`; undefined otherwise. */
export type S3Block = {
  enabled: boolean;
  bucketName: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
};

/**
 * S3 keys for a component: the Secret `<platform>-<component>-s3` holding them
 * and the environment that reads them into the pod (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`), so no key ever lands in a ConfigMap. Undefined
 * when S3 is off.
 */
export function s3Credentials(
  platform: string,
  component: PlatformComponent,
  s3: S3Block | undefined,
): { secret: Manifest; env: Array<Record<string, unknown>>; hash: string } | undefined {
  if (!s3?.enabled) return undefined;
  const name = `${componentName(platform, component)}-s3`;
  const keys = { AWS_ACCESS_KEY_ID: s3.accessKeyId ?? "", AWS_SECRET_ACCESS_KEY: s3.secretAccessKey ?? "" };
  return {
    secret: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name },
      type: "Opaque",
      data: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
    },
    env: Object.keys(keys).map((k) => ({ name: k, valueFrom: { secretKeyRef: { name, key: k } } })),
    hash: hashOf(keys),
  };
}

/** The memberlist gossip port Loki and Tempo replicas join each other on. */
export const memberlistPort = 7946;

/**
 * The headless Service `<platform>-<component>-memberlist` through which the
 * replicas of a scaled Loki or Tempo find each other (not-ready pods included,
 * so a ring can form before it is ready).
 */
export function buildMemberlistService(platform: string, component: PlatformComponent): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `${componentName(platform, component)}-memberlist` },
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: selectorLabels({ stack: platform, component }),
      ports: [{ name: "memberlist", port: memberlistPort, targetPort: memberlistPort, protocol: "TCP" }],
    },
  };
}

/** The address a scaled component's replicas join: `dns+<platform>-<component>-memberlist.<ns>.svc.cluster.local:7946`. */
export const memberlistJoin = (platform: string, namespace: string, component: PlatformComponent): string =>
  `dns+${componentName(platform, component)}-memberlist.${namespace}.svc.cluster.local:${memberlistPort}`;
