import type { MultigresClusterSpec } from "../../api/multigres-cluster.ts";
import { multigresDefaultImage } from "../../api/multigres.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { restrictedSecurityContext } from "../../resources/pod-defaults.ts";
import { container, servicePorts } from "../multigres/container.ts";
import type { EtcdPlan, PoolPlan, StatelessPlan } from "./topology.ts";

/** The label that tells apart the workloads of one component (one per cell, shard or pool). */
export const workloadLabel = "multigres.com/workload";

type Spec = Partial<MultigresClusterSpec>;
type Ports = ReadonlyArray<readonly [string, number]>;
const etcdPorts = [
  ["client", 2379],
  ["peer", 2380],
] as const;

/** The selector of one workload of `component`: the component's stable labels and the workload's name. */
export function workloadSelector(stack: string, component: string, workload: string): Record<string, string> {
  return { ...selectorLabels({ stack, component }), [workloadLabel]: workload };
}

function pod(
  selector: Record<string, string>,
  p: {
    podLabels?: Readonly<Record<string, string>> | undefined;
    podAnnotations?: Readonly<Record<string, string>> | undefined;
  },
  spec: Record<string, unknown>,
): Record<string, unknown> {
  return {
    metadata: {
      labels: { ...p.podLabels, ...selector },
      ...(p.podAnnotations !== undefined && { annotations: { ...p.podAnnotations } }),
    },
    spec: { enableServiceLinks: false, ...spec },
  };
}

const claim = (size: string, storageClass: string | undefined): object => ({
  metadata: { name: "data" },
  spec: {
    accessModes: ["ReadWriteOnce"],
    ...(storageClass !== undefined && { storageClassName: storageClass }),
    resources: { requests: { storage: size } },
  },
});

/** An etcd cluster (global or cell-local): a StatefulSet, its headless peer Service and its client Service. Pure. */
export function buildEtcd(
  stack: string,
  namespace: string,
  component: string,
  e: EtcdPlan,
  spec: Spec,
): Manifest[] {
  const selector = workloadSelector(stack, component, e.name);
  const headless = `${e.name}-headless`;
  const host = (m: string): string => `${m}.${headless}.${namespace}.svc`;
  const members = Array.from({ length: e.replicas }, (_, i) => `${e.name}-${i}`);
  const initial = members.map((m) => `${m}=http://${host(m)}:2380`).join(",");
  const etcd = container({
    name: "etcd",
    image: e.image,
    pullPolicy: spec.images?.imagePullPolicy,
    ports: etcdPorts,
    resources: e.resources,
    command: ["etcd"],
    env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
    args: [
      "--name=$(POD_NAME)",
      "--data-dir=/var/lib/etcd",
      "--listen-client-urls=http://0.0.0.0:2379",
      `--advertise-client-urls=http://${host("$(POD_NAME)")}:2379`,
      "--listen-peer-urls=http://0.0.0.0:2380",
      `--initial-advertise-peer-urls=http://${host("$(POD_NAME)")}:2380`,
      `--initial-cluster=${initial}`,
      `--initial-cluster-token=${e.name}`,
      "--initial-cluster-state=new",
    ],
    readinessProbe: { httpGet: { path: "/health", port: "client" }, periodSeconds: 10 },
    volumeMounts: [{ name: "data", mountPath: "/var/lib/etcd" }],
  });
  return [
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: e.name },
      spec: {
        replicas: e.replicas,
        serviceName: headless,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        template: pod(
          selector,
          {},
          {
            securityContext: restrictedSecurityContext({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }),
            containers: [etcd],
          },
        ),
        volumeClaimTemplates: [claim(e.size, e.storageClass)],
      },
    },
    service(headless, selector, etcdPorts, { clusterIP: "None", publishNotReadyAddresses: true }),
    service(e.name, selector, [etcdPorts[0]], {}),
  ];
}

/** A Service on `ports` of the pods `selector` picks. */
export function service(
  name: string,
  selector: Record<string, string>,
  ports: Ports,
  extra: object,
): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { ...extra, selector, ports: servicePorts(ports) },
  };
}

/**
 * A stateless Multigres process (multiadmin, multigateway, multiorch) as a Deployment with its
 * ports, pointed at the global topology; tolerations and affinity as written. Pure.
 */
export function buildStateless(
  stack: string,
  component: string,
  p: StatelessPlan,
  image: string,
  ports: Ports,
  args: readonly string[],
  spec: Spec,
): Manifest {
  const selector = workloadSelector(stack, component, p.name);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: p.name },
    spec: {
      replicas: p.replicas,
      selector: { matchLabels: selector },
      template: pod(selector, p, {
        securityContext: restrictedSecurityContext({ runAsUser: 1000, runAsGroup: 1000 }),
        ...(p.affinity !== undefined && { affinity: p.affinity }),
        ...(p.tolerations !== undefined && { tolerations: [...p.tolerations] }),
        ...pullSecrets(spec),
        containers: [
          container({
            name: component,
            image,
            pullPolicy: spec.images?.imagePullPolicy,
            ports,
            resources: p.resources,
            command: [component],
            args: [...args, `--log-level=${spec.logLevels?.[component as "multiorch"] ?? "info"}`],
            readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10 },
          }),
        ],
      }),
    },
  };
}

function pullSecrets(spec: Spec): Record<string, unknown> {
  const secrets = spec.images?.imagePullSecrets;
  return secrets !== undefined ? { imagePullSecrets: secrets.map((s) => ({ ...s })) } : {};
}

/**
 * One pool in one cell: a StatefulSet of `replicasPerCell` pods running multipooler, pgctld and
 * postgres on a data volume, the superuser password read from `postgresPasswordSecretRef` by
 * reference (never by value); and its headless Service. Pure.
 */
export function buildPool(stack: string, p: PoolPlan, topo: readonly string[], spec: Spec): Manifest[] {
  const selector = workloadSelector(stack, "pools", p.name);
  const ref = spec.postgresPasswordSecretRef;
  const password = {
    name: "POSTGRES_PASSWORD",
    valueFrom: { secretKeyRef: { name: ref?.name, key: ref?.key } },
  };
  const user = { name: "POSTGRES_USER", value: spec.postgresSuperuser ?? "postgres" };
  const image = spec.images?.multipooler ?? multigresDefaultImage;
  const pull = spec.images?.imagePullPolicy;
  const socket = { name: "socket", mountPath: "/var/run/postgresql" };
  const init = spec.postgresInitSecretsRef;
  const data = { name: "data", mountPath: "/var/lib/postgresql/data" };
  const uid = (c: { runAsUser?: number; runAsGroup?: number } | undefined): object =>
    c?.runAsUser !== undefined ? { runAsUser: c.runAsUser, runAsGroup: c.runAsGroup ?? c.runAsUser } : {};
  const containers = [
    container({
      name: "multipooler",
      image,
      pullPolicy: pull,
      ports: [
        ["http", 15200],
        ["grpc", 15270],
      ],
      resources: p.spec.multipooler?.resources,
      command: ["multipooler"],
      args: [
        ...topo,
        `--database=${p.database}`,
        `--table-group=${p.tableGroup}`,
        `--shard=${p.shard}`,
        `--cell=${p.cell}`,
      ],
      env: [user, password],
      readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10 },
      volumeMounts: [socket],
    }),
    container({
      name: "postgres",
      image: spec.images?.postgres ?? "postgres:17",
      pullPolicy: pull,
      ports: [["postgres", 5432]],
      resources: p.spec.postgres?.resources,
      env: [user, password, { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }],
      readinessProbe: { exec: { command: ["pg_isready", "-h", socket.mountPath] }, periodSeconds: 10 },
      volumeMounts: [
        data,
        socket,
        ...(init ? [{ name: "init-secrets", mountPath: "/etc/multigres/init", readOnly: true }] : []),
      ],
    }),
  ].map((c, i) => ({
    ...c,
    securityContext: {
      ...(c["securityContext"] as object),
      ...uid(i === 0 ? p.spec.multipooler : p.spec.postgres),
    },
  }));
  const headless = `${p.name}-headless`;
  return [
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: p.name },
      spec: {
        replicas: p.replicas,
        serviceName: headless,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        template: pod(
          selector,
          {},
          {
            securityContext: restrictedSecurityContext({
              runAsUser: 999,
              runAsGroup: 999,
              fsGroup: p.spec.fsGroup ?? 999,
            }),
            ...(p.spec.affinity !== undefined && { affinity: p.spec.affinity }),
            ...(p.spec.tolerations !== undefined && { tolerations: [...p.spec.tolerations] }),
            ...pullSecrets(spec),
            containers,
            volumes: [
              { name: "socket", emptyDir: {} },
              ...(init
                ? [
                    {
                      name: "init-secrets",
                      secret: {
                        secretName: init.name,
                        ...(init.key !== undefined && {
                          items: [{ key: init.key, path: "init-secrets.json" }],
                        }),
                      },
                    },
                  ]
                : []),
            ],
          },
        ),
        volumeClaimTemplates: [claim(p.spec.storage?.size ?? "10Gi", p.spec.storage?.class)],
      },
    },
    service(
      headless,
      selector,
      [
        ["grpc", 15270],
        ["postgres", 5432],
      ],
      { clusterIP: "None" },
    ),
  ];
}
