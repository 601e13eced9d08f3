import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { V1Node, V1Service } from "@kubernetes/client-node";
import { connectionOf, type Connection } from "./connection.ts";

const port = { name: "minecraft", port: 25565, protocol: "TCP", nodePort: 31565 };
const svc = (spec: Record<string, unknown>, ingress: Array<Record<string, string>> = []): V1Service => ({
  spec: { ports: [port], clusterIP: "10.96.0.7", ...spec },
  status: { loadBalancer: { ingress } },
});
const node = (...addresses: Array<[string, string]>): V1Node => ({
  status: { addresses: addresses.map(([type, address]) => ({ type, address })) },
});
const nodes = [
  node(["InternalIP", "10.0.0.1"]),
  node(["InternalIP", "10.0.0.2"], ["ExternalIP", "203.0.113.2"]),
];

describe("connectionOf", () => {
  const cases: Array<[string, V1Service | undefined, readonly V1Node[], Connection]> = [
    [
      "a load balancer's IP and host name, on the Service port",
      svc({ type: "LoadBalancer" }, [{ ip: "198.51.100.1" }, { hostname: "mc.example.org" }]),
      nodes,
      {
        kind: "LoadBalancer",
        addresses: [
          { host: "198.51.100.1", port: 25565, protocol: "TCP" },
          { host: "mc.example.org", port: 25565, protocol: "TCP" },
        ],
      },
    ],
    [
      "a NodePort on each node, external address first",
      svc({ type: "NodePort" }),
      nodes,
      {
        kind: "NodePort",
        addresses: [
          { host: "10.0.0.1", port: 31565, protocol: "TCP" },
          { host: "203.0.113.2", port: 31565, protocol: "TCP" },
        ],
      },
    ],
    [
      "a load balancer still waiting falls back to its node port, saying so",
      svc({ type: "LoadBalancer" }),
      [node(["InternalIP", "10.0.0.1"])],
      {
        kind: "NodePort",
        addresses: [{ host: "10.0.0.1", port: 31565, protocol: "TCP" }],
        hint: "the load balancer has no address yet; players can use any node's port",
      },
    ],
    [
      "a ClusterIP, in-cluster only",
      svc({ type: "ClusterIP" }),
      nodes,
      {
        kind: "ClusterIP",
        addresses: [{ host: "10.96.0.7", port: 25565, protocol: "TCP" }],
        hint: "reachable from inside the cluster only: set serviceType to NodePort or LoadBalancer for players outside",
      },
    ],
    [
      "no Service yet",
      undefined,
      nodes,
      { kind: "None", addresses: [], hint: "the server's Service does not exist yet" },
    ],
    [
      "no such port",
      { spec: { ports: [{ name: "other", port: 1 }] } },
      nodes,
      { kind: "None", addresses: [], hint: "the Service has no port named minecraft" },
    ],
  ];
  for (const [name, service, given, expected] of cases) {
    it(name, () => assert.deepEqual(connectionOf(service, given, "minecraft"), expected));
  }
});
