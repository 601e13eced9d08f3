import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { componentArgs, componentNames, type ComponentName } from "./components.ts";
import { sandboxPaths } from "./paths.ts";

const paths = sandboxPaths("unit", { STACKWARDEN_STATE_DIR: "/state" });
const ports = {
  etcdClient: 2001,
  etcdPeer: 2002,
  apiserver: 2003,
  controllerManager: 2004,
  scheduler: 2005,
  kwok: 2006,
};

describe("componentArgs", () => {
  const cases: Array<[ComponentName, string[]]> = [
    [
      "etcd",
      [
        "--listen-client-urls=http://127.0.0.1:2001",
        "--initial-cluster=sandbox=http://127.0.0.1:2002",
        "--data-dir=/state/sandbox/unit/etcd",
      ],
    ],
    [
      "kube-apiserver",
      [
        "--etcd-servers=http://127.0.0.1:2001",
        "--secure-port=2003",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--authorization-mode=RBAC",
        "--kubelet-preferred-address-types=InternalIP",
      ],
    ],
    [
      "kube-controller-manager",
      [
        "--secure-port=2004",
        "--leader-elect=false",
        "--enable-hostpath-provisioner=true",
        "--kubeconfig=/state/sandbox/unit/kubeconfig",
      ],
    ],
    [
      "kube-scheduler",
      ["--secure-port=2005", "--leader-elect=false", "--kubeconfig=/state/sandbox/unit/kubeconfig"],
    ],
    [
      "kwok",
      [
        "--server-address=127.0.0.1:2006",
        "--manage-all-nodes=true",
        "--config=/state/sandbox/unit/kwok-stages.yaml",
        "--node-lease-duration-seconds=40",
        "--config=/state/sandbox/unit/kwok-debugging.yaml",
        "--node-port=2006",
        "--tls-cert-file=/state/sandbox/unit/apiserver-certs/apiserver.crt",
      ],
    ],
  ];
  for (const [name, expected] of cases) {
    it(`${name} starts with its own name and carries ${expected.length} key flags`, () => {
      const args = componentArgs(name, paths, ports);
      assert.equal(args[0], name);
      for (const flag of expected) assert.ok(args.includes(flag), `${name} lacks ${flag}: ${args.join(" ")}`);
    });
  }

  it("binds every component to loopback only", () => {
    for (const name of componentNames) {
      for (const arg of componentArgs(name, paths, ports)) {
        assert.doesNotMatch(arg, /0\.0\.0\.0/, `${name}: ${arg}`);
      }
    }
  });

  it("gives each port to exactly one listener", () => {
    const listeners = componentNames.flatMap((name) =>
      componentArgs(name, paths, ports).filter((a) =>
        /^--(listen-[a-z]+-urls|secure-port|server-address)=/.test(a),
      ),
    );
    const used = listeners.map((a) => /(\d+)$/.exec(a)?.[1]);
    assert.equal(new Set(used).size, used.length, listeners.join(" "));
  });

  it("signs and verifies service-account tokens with the same key in apiserver and controller-manager", () => {
    const key = (name: ComponentName, flag: string): string | undefined =>
      componentArgs(name, paths, ports)
        .find((a) => a.startsWith(flag))
        ?.split("=")[1];
    const signing = key("kube-apiserver", "--service-account-signing-key-file=");
    assert.ok(signing);
    assert.equal(key("kube-apiserver", "--service-account-key-file="), signing);
    assert.equal(key("kube-controller-manager", "--service-account-private-key-file="), signing);
  });
});
