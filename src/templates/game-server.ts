import { createHash } from "node:crypto";
import { selectorLabels } from "../resources/labels.ts";
import type { Manifest } from "../resources/manifest.ts";
import { restrictedContainerSecurityContext, restrictedSecurityContext } from "../resources/pod-defaults.ts";
import { canonicalCpu, formatMebibytes } from "../resources/quantity.ts";
import type { Component, RenderContext } from "./template.ts";

/** Annotation on the pod template holding the hash of the server's environment, so a change rolls the pod. */
export const configHashAnnotation = "stackwarden.dev/config-hash";

/** Annotation on the pod template holding the last restart asked for: a new value rolls the pod. */
export const restartedAtAnnotation = "stackwarden.dev/restarted-at";

/** One port of the game server's container. */
export interface GameServerPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
  /** Whether the Service exposes it; a port off the Service is reachable only inside the pod network. */
  readonly onService: boolean;
}

/** The CPU an owner may ask for; memory is decided by the template. */
export interface GameServerCpu {
  readonly requests?: { readonly cpu: string };
  readonly limits?: { readonly cpu: string };
}

/**
 * What differs between game servers that run as one pod on a world volume:
 * a ConfigMap of environment variables, a StatefulSet of one replica with
 * the world at /data, and a Service for the game ports.
 */
export interface GameServer {
  /** The stack's name: names the StatefulSet and the Service, and labels the pod. */
  readonly name: string;
  readonly image: string;
  /** The ConfigMap the container loads its environment from. */
  readonly configMap: string;
  /** The server's settings as environment variables, in a fixed key order (it is hashed). */
  readonly environment: Record<string, string>;
  /** Variables beyond the ConfigMap (e.g. Secret references); left out of the container when absent. */
  readonly env?: readonly Record<string, unknown>[];
  readonly ports: readonly GameServerPort[];
  /** Memory request and limit of the container, in MiB. */
  readonly memoryMebibytes: number;
  /** CPU request (default 250m) and optional limit. */
  readonly cpu: GameServerCpu | undefined;
  /** The command the startup, readiness and liveness probes run. */
  readonly probe: { readonly exec: { readonly command: readonly string[] } };
  /** How long the first start may take: delay, then `failureThreshold` checks 10 s apart. */
  readonly startup: { readonly initialDelaySeconds: number; readonly failureThreshold: number };
  /** Size of the world volume, in MiB. */
  readonly storageMebibytes: number;
  readonly serviceType: string;
  /** 1 when Running, 0 when Stopped: the volume claims stay either way. */
  readonly replicas: 0 | 1;
  /** The stack's last restart, put on the pod template (a new value rolls the pod). */
  readonly restartedAt?: string;
}

/** The fields of a {@link GameServer} that come from the stack's power, not its parameters. */
export function gameServerPower(ctx: {
  readonly power?: "Running" | "Stopped";
  readonly restartedAt?: string;
}): Pick<GameServer, "replicas" | "restartedAt"> {
  return {
    replicas: ctx.power === "Stopped" ? 0 : 1,
    ...(ctx.restartedAt !== undefined ? { restartedAt: ctx.restartedAt } : {}),
  };
}

/** The component name the server's pods are labelled with. */
const component = "server";

/** The ConfigMap holding the server's environment. */
export function buildGameServerConfigMap(server: GameServer): Manifest {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: server.configMap },
    data: server.environment,
  };
}

/** The first 16 hex digits of the SHA-256 of the environment as JSON: equal environments, equal hashes. */
export function environmentHash(environment: Record<string, string>): string {
  return createHash("sha256").update(JSON.stringify(environment)).digest("hex").slice(0, 16);
}

function resources(server: GameServer): Record<string, Record<string, string>> {
  const memory = formatMebibytes(server.memoryMebibytes);
  const cpuRequest = canonicalCpu(server.cpu?.requests?.cpu ?? "250m");
  const cpuLimit = server.cpu?.limits?.cpu;
  return {
    requests: { cpu: cpuRequest, memory },
    limits: cpuLimit === undefined ? { memory } : { cpu: canonicalCpu(cpuLimit), memory },
  };
}

/**
 * The server's StatefulSet: one replica (none when stopped) running as uid/gid/fsGroup 1000
 * under Pod Security "restricted", the world on a ReadWriteOnce claim at
 * /data, the environment from the ConfigMap with its hash on the pod
 * template (so a settings change rolls the pod), and the probe run at
 * startup, for readiness (every 10 s) and for liveness (every 30 s).
 */
export function buildGameServerStatefulSet(server: GameServer): Manifest {
  const { name, probe } = server;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name },
    spec: {
      replicas: server.replicas,
      serviceName: name,
      selector: { matchLabels: selectorLabels({ stack: name, component }) },
      template: {
        metadata: {
          labels: selectorLabels({ stack: name, component }),
          annotations: {
            [configHashAnnotation]: environmentHash(server.environment),
            ...(server.restartedAt !== undefined ? { [restartedAtAnnotation]: server.restartedAt } : {}),
          },
        },
        spec: {
          securityContext: restrictedSecurityContext({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }),
          terminationGracePeriodSeconds: 60,
          enableServiceLinks: false,
          containers: [
            {
              name: component,
              image: server.image,
              imagePullPolicy: "IfNotPresent",
              envFrom: [{ configMapRef: { name: server.configMap } }],
              ...(server.env !== undefined && { env: server.env }),
              ports: server.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
              resources: resources(server),
              startupProbe: {
                ...probe,
                initialDelaySeconds: server.startup.initialDelaySeconds,
                periodSeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: server.startup.failureThreshold,
              },
              readinessProbe: { ...probe, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              livenessProbe: { ...probe, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: formatMebibytes(server.storageMebibytes) } },
          },
        },
      ],
    },
  };
}

/** The server's Service: the ports marked `onService`, by name, selecting the server's pod. */
export function buildGameServerService(server: GameServer): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: server.name },
    spec: {
      type: server.serviceType,
      selector: selectorLabels({ stack: server.name, component }),
      ports: server.ports
        .filter((p) => p.onService)
        .map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol })),
    },
  };
}

/**
 * A game server's three components, built from the template's own
 * {@link GameServer}: `config` (its ConfigMap) → `server` (its StatefulSet,
 * which may take `serverDeadlineSeconds` to become healthy in an upgrade) →
 * `service`.
 */
export function gameServerComponents<P>(
  gameServer: (ctx: RenderContext<P>) => GameServer,
  serverDeadlineSeconds: number,
): Component<P>[] {
  return [
    {
      name: "config",
      dependsOn: [],
      healthDeadlineSeconds: 60,
      build: (ctx) => [buildGameServerConfigMap(gameServer(ctx))],
    },
    {
      name: "server",
      dependsOn: ["config"],
      healthDeadlineSeconds: serverDeadlineSeconds,
      build: (ctx) => [buildGameServerStatefulSet(gameServer(ctx))],
    },
    {
      name: "service",
      dependsOn: ["server"],
      healthDeadlineSeconds: 60,
      build: (ctx) => [buildGameServerService(gameServer(ctx))],
    },
  ];
}
