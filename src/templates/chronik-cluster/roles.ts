import type { ChronikClusterSpec } from "../../api/chronik-cluster.ts";

/** Chronik's node roles; each runs as its own StatefulSet `<cluster>-<role>`. */
export type ChronikRole = "controller" | "ingest" | "search";

/** The Chronik ports: controller gRPC, ingest Kafka, search, and on every node metrics and health. */
export const chronikPorts = {
  grpc: 9090,
  kafka: 9092,
  search: 9093,
  metrics: 8080,
  health: 8081,
} as const;

/** What differs between the roles: spec fields, the template component and the serving port. */
export interface ChronikRoleInfo {
  readonly role: ChronikRole;
  /** The template component holding the role's objects. */
  readonly component: "controllers" | "ingest" | "search";
  /** The spec field counting its nodes (also its key under `autoscaling` and `readyReplicas`). */
  readonly replicasField: "controllers" | "ingestNodes" | "searchNodes";
  /** Its key under `resources` and `image`. */
  readonly resourcesField: "controller" | "ingest" | "search";
  readonly port: { readonly name: string; readonly port: number };
  readonly defaultImage: string;
}

/** The three roles in start-up order; their serving ports are 9090 (gRPC), 9092 (Kafka) and 9093. */
export const chronikRoles: readonly ChronikRoleInfo[] = [
  {
    role: "controller",
    component: "controllers",
    replicasField: "controllers",
    resourcesField: "controller",
    port: { name: "grpc", port: chronikPorts.grpc },
    defaultImage: "chronik/controller:v1.0.0",
  },
  {
    role: "ingest",
    component: "ingest",
    replicasField: "ingestNodes",
    resourcesField: "ingest",
    port: { name: "kafka", port: chronikPorts.kafka },
    defaultImage: "chronik/ingest:v1.0.0",
  },
  {
    role: "search",
    component: "search",
    replicasField: "searchNodes",
    resourcesField: "search",
    port: { name: "search", port: chronikPorts.search },
    defaultImage: "chronik/search:v1.0.0",
  },
];

/** The info of one role; every role is in {@link chronikRoles}. */
export function roleInfo(role: ChronikRole): ChronikRoleInfo {
  return chronikRoles.find((r) => r.role === role)!;
}

/** The nodes a role asks for in the spec: search nodes are 0 when absent. */
export function desiredReplicas(spec: ChronikClusterSpec, role: ChronikRole): number {
  return spec[roleInfo(role).replicasField] ?? 0;
}

/** The name of a role's StatefulSet and headless Service: `<cluster>-<role>`. */
export const roleName = (cluster: string, role: ChronikRole): string => `${cluster}-${role}`;
