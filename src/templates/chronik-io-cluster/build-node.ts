import type { ChronikIoClusterSpec } from "../../api/chronik-io-cluster.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { canonicalQuantity } from "../chronik-cluster/build-node-set.ts";
import {
  adminPortBase,
  chronikIoNames,
  clusterSelector,
  kafkaPort,
  nodeDnsName,
  nodeSelector,
} from "./names.ts";

/** The group chronik-server runs as in its official image; a pod's fsGroup unless the owner sets one. */
export const chronikIoFsGroup = 1001;

/** Where a node lives: its cluster, namespace, spec and node id (1-based). */
export interface NodeContext {
  readonly cluster: string;
  readonly namespace: string;
  readonly spec: ChronikIoClusterSpec;
  readonly id: number;
}

const tcp = (name: string, port: number): Record<string, unknown> => ({ name, port, targetPort: port });
const secretEnv = (name: string, ref: { name: string; key: string }): Record<string, unknown> => ({
  name,
  valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
});

/** The image's tag as a label value (`latest` when it has none), as upstream labels its pods. */
export function imageVersion(image: string): string {
  const tail = image.split("@")[0]!.split("/").pop() ?? "";
  const tag = tail.includes(":") ? tail.slice(tail.lastIndexOf(":") + 1) : "latest";
  return tag.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63);
}

/**
 * The environment of a node, in upstream's order: advertised host, WAL and
 * produce profiles, log level, the admin API key (from its Secret), the hot
 * buffer when columnar storage is on, the object store's bucket, region and
 * endpoint, the embedding provider and key when vector search is on, then
 * the owner's own variables. Secret values are references, never copied.
 */
export function nodeEnv(ctx: NodeContext): Array<Record<string, unknown>> {
  const { spec } = ctx;
  const env: Array<Record<string, unknown>> = [
    { name: "CHRONIK_ADVERTISE", value: nodeDnsName(ctx.cluster, ctx.id, ctx.namespace) },
    { name: "CHRONIK_WAL_PROFILE", value: spec.walProfile },
    { name: "CHRONIK_PRODUCE_PROFILE", value: spec.produceProfile },
    { name: "RUST_LOG", value: spec.logLevel },
  ];
  if (spec.adminApiKeySecret) env.push(secretEnv("CHRONIK_ADMIN_API_KEY", spec.adminApiKeySecret));
  if (spec.columnarEnabled) env.push({ name: "CHRONIK_HOT_BUFFER_ENABLED", value: "true" });
  const store = spec.objectStore;
  if (store?.bucket !== undefined) env.push({ name: "S3_BUCKET", value: store.bucket });
  if (store?.region !== undefined) env.push({ name: "S3_REGION", value: store.region });
  if (store?.endpoint !== undefined) env.push({ name: "S3_ENDPOINT", value: store.endpoint });
  const vector = spec.vectorSearch;
  if (vector?.enabled) {
    env.push({ name: "CHRONIK_EMBEDDING_PROVIDER", value: vector.provider });
    if (vector.apiKeySecret) env.push(secretEnv("OPENAI_API_KEY", vector.apiKeySecret));
  }
  for (const e of spec.env) {
    if (e.value !== undefined) env.push({ name: e.name, value: e.value });
    else if (e.valueFromSecret) env.push(secretEnv(e.name, e.valueFromSecret));
    else env.push({ name: e.name, value: "" });
  }
  return env;
}

/** The pod anti-affinity spreading a cluster's nodes over `antiAffinityTopologyKey`, preferred or required. */
export function nodeAffinity(cluster: string, spec: ChronikIoClusterSpec): Record<string, unknown> {
  const term = {
    labelSelector: { matchLabels: clusterSelector(cluster) },
    topologyKey: spec.antiAffinityTopologyKey,
  };
  return {
    podAntiAffinity:
      spec.antiAffinity === "required"
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
  };
}

/** The tolerations the API server would add to a pod without them; given explicitly so ours match live. */
const defaultTolerations = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
  key,
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 300,
}));

/** The owner's tolerations in Kubernetes' spelling (`toleration_seconds` → `tolerationSeconds`), then the defaults. */
export function nodeTolerations(spec: ChronikIoClusterSpec): Array<Record<string, unknown>> {
  const own = spec.tolerations.map(({ toleration_seconds, ...t }) => ({
    ...t,
    ...(toleration_seconds !== undefined && { tolerationSeconds: toleration_seconds }),
  }));
  const covered = (key: string): boolean => own.some((t) => t.key === key || t.key === undefined);
  return [...own, ...defaultTolerations.filter((t) => !covered(t.key))];
}

/**
 * Node `id`'s pod `<c>-<n>`, as the rewritten operator builds it: one
 * container `chronik-server` started with `/config/cluster.toml`; ports
 * kafka, unified-api, wal, raft, admin (10000 + n) and metrics when set; TCP
 * liveness and readiness on the Kafka port; its claim at /data and its
 * ConfigMap at /config (read-only); anti-affinity, node selector,
 * tolerations, pull secrets; fsGroup 1001 unless `podSecurityContext` is
 * given. It mounts no service account token (Chronik never calls the API).
 */
export function buildNodePod(ctx: NodeContext): Manifest {
  const { cluster, spec, id } = ctx;
  const kafka = kafkaPort(spec);
  const probe = (
    initialDelaySeconds: number,
    periodSeconds: number,
    timeoutSeconds: number,
    failureThreshold: number,
  ): Record<string, unknown> => ({
    tcpSocket: { port: kafka },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds,
    failureThreshold,
  });
  const ports = [
    { name: "kafka", containerPort: kafka },
    { name: "unified-api", containerPort: spec.unifiedApiPort },
    { name: "wal", containerPort: spec.walPort },
    { name: "raft", containerPort: spec.raftPort },
    { name: "admin", containerPort: adminPortBase + id },
    ...(spec.metricsPort !== undefined ? [{ name: "metrics", containerPort: spec.metricsPort }] : []),
  ];
  const canonical = (r: { cpu?: string; memory?: string }): Record<string, string> => ({
    ...(r.cpu !== undefined && { cpu: canonicalQuantity("cpu", r.cpu) }),
    ...(r.memory !== undefined && { memory: canonicalQuantity("memory", r.memory) }),
  });
  const resources = spec.resources && {
    ...(spec.resources.requests && { requests: canonical(spec.resources.requests) }),
    ...(spec.resources.limits && { limits: canonical(spec.resources.limits) }),
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: chronikIoNames.node(cluster, id),
      labels: { ...nodeSelector(cluster, id), "app.kubernetes.io/version": imageVersion(spec.image) },
    },
    spec: {
      restartPolicy: "Always",
      automountServiceAccountToken: false,
      securityContext: spec.podSecurityContext ?? { fsGroup: chronikIoFsGroup },
      affinity: nodeAffinity(cluster, spec),
      tolerations: nodeTolerations(spec),
      ...(spec.nodeSelector && { nodeSelector: { ...spec.nodeSelector } }),
      ...(spec.imagePullSecrets.length > 0 && {
        imagePullSecrets: spec.imagePullSecrets.map((s) => ({ name: s.name })),
      }),
      containers: [
        {
          name: "chronik-server",
          image: spec.image,
          imagePullPolicy: spec.imagePullPolicy,
          command: ["chronik-server"],
          args: ["start", "--config", "/config/cluster.toml"],
          ports,
          env: nodeEnv(ctx),
          ...(resources && { resources }),
          livenessProbe: probe(30, 10, 5, 6),
          readinessProbe: probe(15, 5, 3, 3),
          volumeMounts: [
            { name: "data", mountPath: "/data" },
            { name: "config", mountPath: "/config", readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: "data", persistentVolumeClaim: { claimName: chronikIoNames.data(cluster, id) } },
        { name: "config", configMap: { name: chronikIoNames.config(cluster, id) } },
      ],
    },
  };
}

/** Node `id`'s claim `<c>-<n>-data`: `storage` (50Gi, class `standard`, ReadWriteOnce by default). */
export function buildNodeClaim(ctx: NodeContext): Manifest {
  const { cluster, spec, id } = ctx;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: chronikIoNames.data(cluster, id), labels: nodeSelector(cluster, id) },
    spec: {
      accessModes: [...(spec.storage?.accessModes ?? ["ReadWriteOnce"])],
      storageClassName: spec.storage?.storageClass ?? "standard",
      resources: { requests: { storage: spec.storage?.size ?? "50Gi" } },
    },
  };
}

/** The ports every cluster Service carries: kafka, wal, raft and unified-api. */
function clusterPorts(spec: ChronikIoClusterSpec): Array<Record<string, unknown>> {
  return [
    tcp("kafka", kafkaPort(spec)),
    tcp("wal", spec.walPort),
    tcp("raft", spec.raftPort),
    tcp("unified-api", spec.unifiedApiPort),
  ];
}

/** Node `id`'s own Service `<c>-<n>` (its stable DNS name), with the admin port 10000 + n. */
export function buildNodeService(ctx: NodeContext): Manifest {
  const { cluster, spec, id } = ctx;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: chronikIoNames.node(cluster, id), labels: nodeSelector(cluster, id) },
    spec: {
      type: "ClusterIP",
      selector: nodeSelector(cluster, id),
      ports: [...clusterPorts(spec), tcp("admin", adminPortBase + id)],
    },
  };
}

/** The headless Service `<c>-headless` over every node, publishing not-ready addresses (Raft needs them to form). */
export function buildHeadlessService(cluster: string, spec: ChronikIoClusterSpec): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: chronikIoNames.headless(cluster), labels: clusterSelector(cluster) },
    spec: {
      type: "ClusterIP",
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: clusterSelector(cluster),
      ports: clusterPorts(spec),
    },
  };
}

/**
 * The budget `<c>-pdb` over the cluster's nodes, allowing
 * `podDisruptionBudget.maxUnavailable` (1 by default) of them down. Written
 * as `minAvailable: replicas - maxUnavailable`: upstream writes
 * `maxUnavailable`, which the disruption controller evaluates through the
 * scale of the pods' owner (the cluster): upstream's CRD has none, so its
 * budget never computes; a whole number of pods needs no owner's scale.
 */
export function buildClusterPdb(cluster: string, spec: ChronikIoClusterSpec): Manifest {
  const maxUnavailable = spec.podDisruptionBudget?.maxUnavailable ?? 1;
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: chronikIoNames.pdb(cluster), labels: clusterSelector(cluster) },
    spec: {
      minAvailable: Math.max(0, spec.replicas - maxUnavailable),
      selector: { matchLabels: clusterSelector(cluster) },
    },
  };
}
