import { createHash } from "node:crypto";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import {
  restrictedContainerSecurityContext,
  restrictedSecurityContext,
} from "../../resources/pod-defaults.ts";
import { canonicalCpu, formatMebibytes, parseMebibytes } from "../../resources/quantity.ts";
import type { RenderContext, Template } from "../template.ts";
import {
  MinecraftBedrockParamsSchema,
  minecraftBedrockImage,
  validateMinecraftBedrock,
  type MinecraftBedrockParams,
} from "./params.ts";

type Ctx = RenderContext<MinecraftBedrockParams>;

/** The game port (UDP). */
export const bedrockPort = 19132;
/** Annotation on the pod template holding the hash of the server's environment, so a change rolls the pod. */
export const configHashAnnotation = "stackwarden.dev/config-hash";

/** The itzg/minecraft-bedrock-server settings as its environment variables. Key order is fixed. */
export function bedrockEnvironment(params: MinecraftBedrockParams): Record<string, string> {
  const env: Record<string, string> = {
    EULA: "TRUE",
    VERSION: params.version,
    GAMEMODE: params.gamemode,
    DIFFICULTY: params.difficulty,
    SERVER_NAME: params.serverName,
    MAX_PLAYERS: String(params.maxPlayers),
    ONLINE_MODE: String(params.onlineMode),
    ALLOW_LIST: String(params.allowList.length > 0),
  };
  if (params.allowList.length > 0) env["ALLOW_LIST_USERS"] = params.allowList.join(",");
  return env;
}

const configMapName = (ctx: Ctx): string => `${ctx.stack.name}-config`;

function buildConfigMap(ctx: Ctx): Manifest[] {
  return [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: configMapName(ctx) },
      data: bedrockEnvironment(ctx.params),
    },
  ];
}

function resources(params: MinecraftBedrockParams): Record<string, Record<string, string>> {
  const memory = formatMebibytes(parseMebibytes(params.memory) ?? 1024);
  const cpuRequest = canonicalCpu(params.resources?.requests?.cpu ?? "250m");
  const cpuLimit = params.resources?.limits?.cpu;
  return {
    requests: { cpu: cpuRequest, memory },
    limits: cpuLimit === undefined ? { memory } : { cpu: canonicalCpu(cpuLimit), memory },
  };
}

const ping = {
  exec: { command: ["mc-monitor", "status-bedrock", "--host", "127.0.0.1", "--port", String(bedrockPort)] },
};

function buildStatefulSet(ctx: Ctx): Manifest[] {
  const { params, stack } = ctx;
  const envHash = createHash("sha256")
    .update(JSON.stringify(bedrockEnvironment(params)))
    .digest("hex")
    .slice(0, 16);
  return [
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: stack.name },
      spec: {
        replicas: 1,
        serviceName: stack.name,
        selector: { matchLabels: selectorLabels({ stack: stack.name, component: "server" }) },
        template: {
          metadata: {
            labels: selectorLabels({ stack: stack.name, component: "server" }),
            annotations: { [configHashAnnotation]: envHash },
          },
          spec: {
            securityContext: restrictedSecurityContext({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }),
            terminationGracePeriodSeconds: 60,
            enableServiceLinks: false,
            containers: [
              {
                name: "server",
                image: params.image ?? minecraftBedrockImage,
                imagePullPolicy: "IfNotPresent",
                envFrom: [{ configMapRef: { name: configMapName(ctx) } }],
                ports: [{ name: "bedrock", containerPort: bedrockPort, protocol: "UDP" }],
                resources: resources(params),
                // First start downloads the server: allow up to 5 minutes.
                startupProbe: {
                  ...ping,
                  initialDelaySeconds: 15,
                  periodSeconds: 10,
                  timeoutSeconds: 5,
                  failureThreshold: 29,
                },
                readinessProbe: { ...ping, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                livenessProbe: { ...ping, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
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
              resources: { requests: { storage: formatMebibytes(parseMebibytes(params.storage) ?? 5120) } },
            },
          },
        ],
      },
    },
  ];
}

function buildService(ctx: Ctx): Manifest[] {
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: ctx.stack.name },
      spec: {
        type: ctx.params.serviceType,
        selector: selectorLabels({ stack: ctx.stack.name, component: "server" }),
        ports: [{ name: "bedrock", port: bedrockPort, targetPort: "bedrock", protocol: "UDP" }],
      },
    },
  ];
}

/**
 * `minecraft-bedrock`: a Minecraft Bedrock Edition server on
 * itzg/minecraft-bedrock-server. Components `config` (ConfigMap of the
 * environment) → `server` (StatefulSet of one replica, world at /data) →
 * `service` (19132/UDP). No RCON, so no generated secret. Changing `version`
 * or `image` is an upgrade; `storage` is fixed at creation (volume claim
 * templates are immutable).
 */
export const minecraftBedrock: Template<MinecraftBedrockParams> = {
  name: "minecraft-bedrock",
  version: "1.0.0",
  description: "Minecraft Bedrock Edition server (itzg/minecraft-bedrock-server) with a persistent world.",
  params: MinecraftBedrockParamsSchema,
  guardrails: {
    immutable: ["/storage"],
    adoptable: ["/serverName", "/difficulty", "/gamemode", "/maxPlayers", "/allowList"],
  },
  components: [
    { name: "config", dependsOn: [], healthDeadlineSeconds: 60, build: buildConfigMap },
    { name: "server", dependsOn: ["config"], healthDeadlineSeconds: 300, build: buildStatefulSet },
    { name: "service", dependsOn: ["server"], healthDeadlineSeconds: 60, build: buildService },
  ],
  upgrade: { fields: ["/version", "/image"] },
  ignore: [],
  generatedSecrets: [],
  prerequisites: () => [],
  data: { components: ["server"] },
  validate: validateMinecraftBedrock,
};
