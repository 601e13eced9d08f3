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
  readonly env?: readonly Record<string, unknown>[];
  /** Data volume at `dataPath`: a claim of `size` for a StatefulSet, else an emptyDir. */
  readonly dataPath: string;
  readonly storage?: { size: string; storageClassName?: string } | undefined;
  readonly readinessPath: string;
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
  const affinity = antiAffinity(spec, w.platform, w.component);
  const claim = w.kind === "StatefulSet" && w.storage !== undefined;
  const volumes = [
    ...w.mounts.map((m) => ({
      name: m.name,
      configMap: {
        name: m.configMap,
        ...(m.items && { items: m.items.map((key) => ({ key, path: key })) }),
      },
    })),
    ...(claim ? [] : [{ name: "data", emptyDir: {} }]),
  ];
  const podSpec = {
    securityContext: restrictedSecurityContext({
      runAsUser: sc?.runAsUser ?? w.runAsUser,
      runAsGroup: sc?.runAsGroup ?? w.runAsUser,
      fsGroup: sc?.fsGroup ?? w.runAsUser,
    }),
    enableServiceLinks: false,
    ...(spec.global?.nodeSelector && { nodeSelector: spec.global.nodeSelector }),
    ...(spec.global?.tolerations && { tolerations: spec.global.tolerations }),
    ...(affinity && { affinity }),
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
          httpGet: { path: w.readinessPath, port: w.ports[0]?.name ?? "http" },
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 3,
        },
        securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: true }),
        volumeMounts: [
          ...w.mounts.map((m) => ({ name: m.name, mountPath: m.path, readOnly: true })),
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
              spec: {
                accessModes: ["ReadWriteOnce"],
                ...(storage.storageClassName && { storageClassName: storage.storageClassName }),
                resources: { requests: { storage: canonicalMemory(storage.size) } },
              },
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
