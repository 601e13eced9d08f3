import { createHash } from "node:crypto";
import type { ChronikClusterSpec } from "../../api/chronik-cluster.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import {
  restrictedContainerSecurityContext,
  restrictedSecurityContext,
} from "../../resources/pod-defaults.ts";
import { canonicalCpu, cpuPattern, formatMebibytes, parseMebibytes } from "../../resources/quantity.ts";
import { chronikEnvironment, configMapName } from "./build-config.ts";
import { chronikPorts, desiredReplicas, roleInfo, roleName, type ChronikRole } from "./roles.ts";

/** Annotation on pod templates holding the hash of the cluster's settings, so a change rolls the pods. */
export const chronikConfigHashAnnotation = "stackwarden.dev/config-hash";
/** The user, group and fsGroup Chronik runs as unless `security.podSecurityContext` says otherwise. */
export const chronikUser = 1000;

/** Where a node set lives: the cluster's name, namespace and spec. */
export interface NodeSetContext {
  readonly cluster: string;
  readonly namespace: string;
  readonly spec: ChronikClusterSpec;
}

/** A CPU quantity as the API server prints it when we can say (`0.5` → `500m`), else as written. */
export function canonicalQuantity(kind: "cpu" | "memory", value: string): string {
  if (kind === "cpu") return new RegExp(cpuPattern).test(value) ? canonicalCpu(value) : value;
  return /^\d+(Mi|Gi|Ti)$/.test(value) ? formatMebibytes(parseMebibytes(value)!) : value;
}

const defaultRequests: Record<ChronikRole, { cpu: string; memory: string }> = {
  controller: { cpu: "500m", memory: "1Gi" },
  ingest: { cpu: "1", memory: "2Gi" },
  search: { cpu: "500m", memory: "1Gi" },
};

/** The container's resources: the owner's requests and limits, canonical; defaults per role otherwise. */
export function nodeResources(
  spec: ChronikClusterSpec,
  role: ChronikRole,
): Record<string, Record<string, string>> {
  const r = spec.resources?.[roleInfo(role).resourcesField];
  const requests = {
    cpu: canonicalQuantity("cpu", r?.cpu ?? defaultRequests[role].cpu),
    memory: canonicalQuantity("memory", r?.memory ?? defaultRequests[role].memory),
  };
  const limits: Record<string, string> = {};
  if (r?.cpuLimit) limits["cpu"] = canonicalQuantity("cpu", r.cpuLimit);
  if (r?.memoryLimit) limits["memory"] = canonicalQuantity("memory", r.memoryLimit);
  return Object.keys(limits).length > 0 ? { requests, limits } : { requests };
}

/** True when the role has an HPA: then the StatefulSet's replicas are the HPA's and never set by us. */
export function isAutoscaled(spec: ChronikClusterSpec, role: ChronikRole): boolean {
  return spec.autoscaling?.[roleInfo(role).replicasField] !== undefined;
}

/**
 * The role's StatefulSet `<cluster>-<role>`: `replicas` from the spec, left
 * out under an HPA; pods in parallel behind the headless Service; the role's
 * port plus metrics 8080 and health 8081 (readiness `/ready`, liveness
 * `/health`); settings from `<cluster>-config` with their hash on the pod
 * template; metastore credentials from the Secret by reference (keys
 * `username`, `password`); a data volume of `storage.size` at /data and a
 * scratch /tmp. Unless the owner set security contexts, pods run as
 * non-root 1000 under Pod Security "restricted" with a read-only root
 * filesystem and every capability dropped.
 */
export function buildNodeStatefulSet(ctx: NodeSetContext, role: ChronikRole): Manifest {
  const { cluster, namespace, spec } = ctx;
  const info = roleInfo(role);
  const name = roleName(cluster, role);
  const stable = selectorLabels({ stack: cluster, component: info.component });
  const credentials = spec.metastore.connection.credentialsSecret;
  const secretEnv = (env: string, key: string): Record<string, unknown> => ({
    name: env,
    valueFrom: { secretKeyRef: { name: credentials, key } },
  });
  const tls = spec.security?.tlsEnabled === true && spec.security.tlsSecret !== undefined;
  const pullSecrets = spec.image?.pullSecrets ?? [];
  const probe = (path: string): Record<string, unknown> => ({ httpGet: { path, port: "health" } });
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name },
    spec: {
      ...(isAutoscaled(spec, role) ? {} : { replicas: desiredReplicas(spec, role) }),
      serviceName: name,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: stable },
      template: {
        metadata: {
          // Stable labels win: a pod label the owner chose may not break the selector.
          labels: { ...spec.podLabels, ...stable },
          annotations: {
            ...spec.podAnnotations,
            [chronikConfigHashAnnotation]: hash(chronikEnvironment(cluster, namespace, spec)),
          },
        },
        spec: {
          serviceAccountName: cluster,
          enableServiceLinks: false,
          ...(spec.network?.hostNetwork === true && { hostNetwork: true }),
          ...dnsPolicy(spec.network),
          securityContext:
            spec.security?.podSecurityContext ??
            restrictedSecurityContext({
              runAsUser: chronikUser,
              runAsGroup: chronikUser,
              fsGroup: chronikUser,
            }),
          ...(spec.nodeSelector && { nodeSelector: spec.nodeSelector }),
          ...(spec.tolerations && { tolerations: spec.tolerations }),
          ...(spec.affinity && { affinity: spec.affinity }),
          ...(pullSecrets.length > 0 && { imagePullSecrets: pullSecrets.map((s) => ({ name: s })) }),
          containers: [
            {
              name: role,
              image: spec.image?.[info.resourcesField] ?? info.defaultImage,
              imagePullPolicy: spec.image?.pullPolicy ?? "IfNotPresent",
              envFrom: [{ configMapRef: { name: configMapName(cluster) } }],
              env: [
                { name: "CHRONIK_NODE_ROLE", value: role },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                secretEnv("CHRONIK_METASTORE_USERNAME", "username"),
                secretEnv("CHRONIK_METASTORE_PASSWORD", "password"),
              ],
              ports: [
                { name: info.port.name, containerPort: info.port.port, protocol: "TCP" },
                { name: "metrics", containerPort: chronikPorts.metrics, protocol: "TCP" },
                { name: "health", containerPort: chronikPorts.health, protocol: "TCP" },
              ],
              resources: nodeResources(spec, role),
              readinessProbe: { ...probe("/ready"), periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { ...probe("/health"), periodSeconds: 20, failureThreshold: 3 },
              securityContext:
                spec.security?.containerSecurityContext ??
                restrictedContainerSecurityContext({ readOnlyRootFilesystem: true }),
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "tmp", mountPath: "/tmp" },
                ...(tls ? [{ name: "tls", mountPath: "/etc/chronik/tls", readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: "tmp", emptyDir: {} },
            ...(tls ? [{ name: "tls", secret: { secretName: spec.security!.tlsSecret } }] : []),
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: {
            accessModes: ["ReadWriteOnce"],
            ...(spec.storage.storageClass && { storageClassName: spec.storage.storageClass }),
            resources: { requests: { storage: canonicalQuantity("memory", spec.storage.size ?? "10Gi") } },
          },
        },
      ],
    },
  };
}

/**
 * The role's Services: headless `<cluster>-<role>` (stable pod DNS names,
 * not-ready addresses published so peers find each other while starting)
 * and `<cluster>-<role>-client` for clients. The client Services of the
 * ingest and search roles take `network.serviceType` and, for a
 * LoadBalancer, `network.loadBalancerSourceRanges`; the controllers' stays
 * ClusterIP.
 */
export function buildNodeServices(ctx: NodeSetContext, role: ChronikRole): Manifest[] {
  const { cluster, spec } = ctx;
  const info = roleInfo(role);
  const name = roleName(cluster, role);
  const selector = selectorLabels({ stack: cluster, component: info.component });
  const ports = [
    { name: info.port.name, port: info.port.port, targetPort: info.port.name, protocol: "TCP" },
    { name: "metrics", port: chronikPorts.metrics, targetPort: "metrics", protocol: "TCP" },
  ];
  const type = role === "controller" ? "ClusterIP" : (spec.network?.serviceType ?? "ClusterIP");
  const ranges = spec.network?.loadBalancerSourceRanges ?? [];
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${name}-client` },
      spec: {
        type,
        selector,
        ports: ports.slice(0, 1),
        ...(type === "LoadBalancer" && ranges.length > 0 && { loadBalancerSourceRanges: ranges }),
      },
    },
  ];
}

function hash(environment: Record<string, string>): string {
  return createHash("sha256").update(JSON.stringify(environment)).digest("hex").slice(0, 16);
}

/**
 * The pods' DNS policy: the one the spec gives, else ClusterFirstWithHostNet
 * for pods on the host's network (so they still resolve cluster Services),
 * else the Kubernetes default (nothing written).
 */
export function dnsPolicy(network: { hostNetwork?: boolean; dnsPolicy?: string } | undefined): {
  dnsPolicy?: string;
} {
  if (network?.dnsPolicy) return { dnsPolicy: network.dnsPolicy };
  return network?.hostNetwork === true ? { dnsPolicy: "ClusterFirstWithHostNet" } : {};
}
