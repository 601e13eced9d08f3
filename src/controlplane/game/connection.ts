import type { V1Node, V1Service } from "@kubernetes/client-node";

/** How players reach a game server, from the most to the least reachable. */
export const connectionKinds = ["LoadBalancer", "NodePort", "ClusterIP", "None"] as const;
export type ConnectionKind = (typeof connectionKinds)[number];

/** One address players can connect to. */
export interface GameAddress {
  readonly host: string;
  readonly port: number;
  readonly protocol: string;
}

/** Where players connect, as `GET /api/v1/stacks/{id}` shows it. */
export interface Connection {
  readonly kind: ConnectionKind;
  readonly addresses: readonly GameAddress[];
  /** For people: why there is no address, or that it works only inside the cluster. */
  readonly hint?: string;
}

/**
 * Where players connect to `service` on its port named `portName`, by the
 * first that applies: a LoadBalancer's ingress IPs or host names (on the
 * Service port); else a NodePort on every node's ExternalIP, or InternalIP
 * when a node has none; else the ClusterIP, with a hint that it is reachable
 * from inside the cluster only. `None` (with a hint) when the Service or the
 * port does not exist yet. Pure.
 */
export function connectionOf(
  service: V1Service | undefined,
  nodes: readonly V1Node[],
  portName: string,
): Connection {
  if (!service) return { kind: "None", addresses: [], hint: "the server's Service does not exist yet" };
  const port = service.spec?.ports?.find((p) => p.name === portName);
  if (!port) return { kind: "None", addresses: [], hint: `the Service has no port named ${portName}` };
  const protocol = port.protocol ?? "TCP";
  const ingress = service.status?.loadBalancer?.ingress ?? [];
  const lbHosts = ingress.flatMap((i) => (i.ip ? [i.ip] : i.hostname ? [i.hostname] : []));
  if (lbHosts.length > 0) {
    return { kind: "LoadBalancer", addresses: lbHosts.map((host) => ({ host, port: port.port, protocol })) };
  }
  const type = service.spec?.type ?? "ClusterIP";
  if ((type === "NodePort" || type === "LoadBalancer") && port.nodePort !== undefined) {
    const hosts = [...new Set(nodes.flatMap(nodeHost))];
    const waiting = type === "LoadBalancer" ? "the load balancer has no address yet; " : "";
    return {
      kind: "NodePort",
      addresses: hosts.map((host) => ({ host, port: port.nodePort!, protocol })),
      ...(hosts.length === 0
        ? { hint: `${waiting}no node has an address` }
        : waiting !== ""
          ? { hint: `${waiting}players can use any node's port` }
          : {}),
    };
  }
  const ip = service.spec?.clusterIP;
  if (ip && ip !== "None") {
    return {
      kind: "ClusterIP",
      addresses: [{ host: ip, port: port.port, protocol }],
      hint: "reachable from inside the cluster only: set serviceType to NodePort or LoadBalancer for players outside",
    };
  }
  return { kind: "None", addresses: [], hint: "the Service has no cluster IP" };
}

/** A node's address for players: its ExternalIP, else its InternalIP. */
function nodeHost(node: V1Node): string[] {
  const addresses = node.status?.addresses ?? [];
  const pick = (type: string): string | undefined => addresses.find((a) => a.type === type)?.address;
  const host = pick("ExternalIP") ?? pick("InternalIP");
  return host ? [host] : [];
}
