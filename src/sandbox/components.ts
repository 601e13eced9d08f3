import { join } from "node:path";
import type { SandboxPaths } from "./paths.ts";

/** The processes of one sandbox, in the order they start (and stop in reverse). */
export const componentNames = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;
export type ComponentName = (typeof componentNames)[number];

/** The loopback ports one sandbox listens on, chosen free at start. */
export interface SandboxPorts {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  readonly kwok: number;
}

/** Address ranges inside the sandbox; pods and services never overlap. */
export const serviceCIDR = "10.96.0.0/16";
export const podCIDR = "10.244.0.0/16";

/**
 * The command line of one component. Pure: the same paths and ports always
 * give the same arguments, which `components.test.ts` pins down.
 */
export function componentArgs(name: ComponentName, paths: SandboxPaths, ports: SandboxPorts): string[] {
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  const saKey = join(paths.pki, "service-account.key");
  const delegated = [
    `--authentication-kubeconfig=${paths.kubeconfig}`,
    `--authorization-kubeconfig=${paths.kubeconfig}`,
  ];
  switch (name) {
    case "etcd":
      return [
        "etcd",
        "--name=sandbox",
        `--data-dir=${paths.etcdData}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=sandbox=${peerUrl}`,
        // A sandbox is disposable; fsync only slows every write down.
        "--unsafe-no-fsync=true",
        "--quota-backend-bytes=2147483648",
        "--log-level=warn",
      ];
    case "kube-apiserver":
      return [
        "kube-apiserver",
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${paths.certs}`,
        `--token-auth-file=${join(paths.pki, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${saKey}`,
        `--service-account-signing-key-file=${saKey}`,
        `--service-cluster-ip-range=${serviceCIDR}`,
        // pods/log and pods/exec go to the node's kubelet, which is KWOK's server on 127.0.0.1; the
        // nodes' Hostname addresses resolve nowhere.
        "--kubelet-preferred-address-types=InternalIP",
        "--allow-privileged=true",
        "--profiling=false",
        "--v=1",
      ];
    case "kube-controller-manager":
      return [
        "kube-controller-manager",
        `--kubeconfig=${paths.kubeconfig}`,
        ...delegated,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.controllerManager}`,
        `--service-account-private-key-file=${saKey}`,
        `--root-ca-file=${join(paths.pki, "ca.crt")}`,
        `--service-cluster-ip-range=${serviceCIDR}`,
        // PVCs of the default StorageClass get a hostPath PV (see docs/sandbox.md).
        "--enable-hostpath-provisioner=true",
        // KWOK renews node leases from one process; on a loaded two-core machine a renewal can come
        // late, and the default 50 s grace would mark every pod on the node NotReady for good.
        "--node-monitor-grace-period=5m",
        "--profiling=false",
        "--v=1",
      ];
    case "kube-scheduler":
      return [
        "kube-scheduler",
        `--kubeconfig=${paths.kubeconfig}`,
        ...delegated,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.scheduler}`,
        "--profiling=false",
        "--v=1",
      ];
    case "kwok":
      return [
        "kwok",
        `--kubeconfig=${paths.kubeconfig}`,
        `--config=${paths.stages}`,
        `--config=${paths.debugging}`,
        "--manage-all-nodes=true",
        `--cidr=${podCIDR}`,
        "--node-ip=127.0.0.1",
        `--server-address=127.0.0.1:${ports.kwok}`,
        // KWOK's server plays the kubelet for pods/log and pods/exec: nodes advertise its port, and
        // it serves HTTPS (the API server always dials kubelets over TLS) with the API server's own
        // self-signed certificate, which names 127.0.0.1. The API server does not verify it.
        `--node-port=${ports.kwok}`,
        `--tls-cert-file=${join(paths.certs, "apiserver.crt")}`,
        `--tls-private-key-file=${join(paths.certs, "apiserver.key")}`,
        // Node heartbeats: KWOK renews a Lease per node. Without it (the default, 0) nothing renews
        // them when our own stages replace KWOK's default ones, and every --node-monitor-grace-period
        // (5 min) the node lifecycle controller marks all nodes, and every pod on them, not Ready.
        "--node-lease-duration-seconds=40",
      ];
  }
}
