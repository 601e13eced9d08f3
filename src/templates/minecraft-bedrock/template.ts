import { parseMebibytes } from "../../resources/quantity.ts";
import { gameServerComponents, gameServerPower, type GameServer } from "../game-server.ts";
import type { RenderContext, Template } from "../template.ts";
import {
  MinecraftBedrockParamsSchema,
  minecraftBedrockImage,
  validateMinecraftBedrock,
  type MinecraftBedrockParams,
} from "./params.ts";

/** Re-exported from the shared game-server builders, where the pod template gets it. */
export { configHashAnnotation } from "../game-server.ts";

type Ctx = RenderContext<MinecraftBedrockParams>;

/** The game port (UDP). */
export const bedrockPort = 19132;

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

/** The server as a {@link GameServer}: one UDP port, on the pod and the Service. */
function gameServer(ctx: Ctx): GameServer {
  const { params, stack } = ctx;
  return {
    name: stack.name,
    image: params.image ?? minecraftBedrockImage,
    configMap: `${stack.name}-config`,
    environment: bedrockEnvironment(params),
    ports: [{ name: "bedrock", port: bedrockPort, protocol: "UDP", onService: true }],
    memoryMebibytes: parseMebibytes(params.memory) ?? 1024,
    cpu: params.resources,
    probe: {
      exec: {
        command: ["mc-monitor", "status-bedrock", "--host", "127.0.0.1", "--port", String(bedrockPort)],
      },
    },
    // First start downloads the server: allow up to 5 minutes.
    startup: { initialDelaySeconds: 15, failureThreshold: 29 },
    storageMebibytes: parseMebibytes(params.storage) ?? 5120,
    serviceType: params.serviceType,
    ...gameServerPower(ctx),
  };
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
  components: gameServerComponents(gameServer, 300),
  upgrade: { fields: ["/version", "/image"] },
  ignore: [],
  generatedSecrets: [],
  prerequisites: () => [],
  data: { components: ["server"] },
  // itzg's send-command writes to the server's console; the reply shows only in the log.
  game: {
    component: "server",
    container: "server",
    port: "bedrock",
    console: { command: ["send-command"], replies: false },
  },
  validate: validateMinecraftBedrock,
};
