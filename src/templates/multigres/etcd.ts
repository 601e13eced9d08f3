import type { MultigresSpec } from "../../api/multigres.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { restrictedSecurityContext } from "../../resources/pod-defaults.ts";
import { formatMebibytes, parseMebibytes } from "../../resources/quantity.ts";
import type { RenderContext } from "../template.ts";
import { container, servicePorts } from "./container.ts";
import { multigresNames } from "./names.ts";

/** The etcd image when `spec.etcd.image` is not set: a pinned etcd release. */
export const multigresEtcdImage = "quay.io/coreos/etcd:v3.5.21";
/** etcd's client port. */
export const etcdClientPort = 2379;
/** etcd's peer port. */
export const etcdPeerPort = 2380;

const dataDir = "/var/lib/etcd";

/** A volume claim template `data` of the given size (canonical form) and optional StorageClass. */
export function dataClaim(storage: { readonly size: string; readonly storageClassName?: string }): object {
  return {
    metadata: { name: "data" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(storage.storageClassName !== undefined && { storageClassName: storage.storageClassName }),
      resources: { requests: { storage: formatMebibytes(parseMebibytes(storage.size) ?? 10240) } },
    },
  };
}

/**
 * The etcd cluster: a StatefulSet of `spec.etcd.replicas` members started
 * in parallel (a member waits for its peers, not for the previous pod), a
 * headless Service for the peers' stable names (2379 client, 2380 peer,
 * addresses published before ready, as bootstrap needs), and a client
 * Service on 2379. Members run as uid 1000 with their data on a volume.
 */
export function buildEtcd(ctx: RenderContext<MultigresSpec>): Manifest[] {
  const { stack, params } = ctx;
  const names = multigresNames(stack.name);
  const { replicas } = params.etcd;
  const selector = selectorLabels({ stack: stack.name, component: "etcd" });
  const peerHost = (member: string): string => `${member}.${names.etcdHeadless}.${stack.namespace}.svc`;
  const members = Array.from({ length: replicas }, (_, i) => `${names.etcd}-${i}`);
  const initialCluster = members.map((m) => `${m}=http://${peerHost(m)}:${etcdPeerPort}`).join(",");
  const ports = [
    ["client", etcdClientPort],
    ["peer", etcdPeerPort],
  ] as const;
  return [
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: names.etcd },
      spec: {
        replicas,
        serviceName: names.etcdHeadless,
        podManagementPolicy: "Parallel",
        template: {
          spec: {
            securityContext: restrictedSecurityContext({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }),
            enableServiceLinks: false,
            containers: [
              container({
                name: "etcd",
                image: params.etcd.image ?? multigresEtcdImage,
                pullPolicy: params.imagePullPolicy,
                ports,
                resources: params.etcd.resources,
                command: ["etcd"],
                env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                args: [
                  "--name=$(POD_NAME)",
                  `--data-dir=${dataDir}`,
                  `--listen-client-urls=http://0.0.0.0:${etcdClientPort}`,
                  `--advertise-client-urls=http://${peerHost("$(POD_NAME)")}:${etcdClientPort}`,
                  `--listen-peer-urls=http://0.0.0.0:${etcdPeerPort}`,
                  `--initial-advertise-peer-urls=http://${peerHost("$(POD_NAME)")}:${etcdPeerPort}`,
                  `--initial-cluster=${initialCluster}`,
                  `--initial-cluster-token=${names.etcd}`,
                  "--initial-cluster-state=new",
                ],
                readinessProbe: { httpGet: { path: "/health", port: "client" }, periodSeconds: 10 },
                volumeMounts: [{ name: "data", mountPath: dataDir }],
              }),
            ],
          },
        },
        volumeClaimTemplates: [dataClaim(params.etcd.storage)],
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: names.etcdHeadless },
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: servicePorts(ports) },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: names.etcdClient },
      spec: { type: "ClusterIP", selector, ports: servicePorts([["client", etcdClientPort]]) },
    },
  ];
}
