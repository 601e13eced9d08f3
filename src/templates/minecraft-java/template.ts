import { parseMebibytes } from "../../resources/quantity.ts";
import { gameServerComponents, gameServerPower, type GameServer } from "../game-server.ts";
import type { RenderContext, Template } from "../template.ts";
import {
  MinecraftJavaParamsSchema,
  minecraftJavaImage,
  validateMinecraftJava,
  type MinecraftJavaParams,
} from "./params.ts";

/** Re-exported from the shared game-server builders, where the pod template gets it. */
export { configHashAnnotation } from "../game-server.ts";

type Ctx = RenderContext<MinecraftJavaParams>;

/** The game port (TCP), exposed on the Service. */
export const minecraftPort = 25565;
/** The RCON port (TCP): open on the pod only, never on the Service. */
export const rconPort = 25575;

const rconKey = "rcon-password";

/** Container memory for a heap: the heap plus a quarter for the JVM's own use, at least 512Mi, in MiB. */
export function containerMebibytes(heap: string): number {
  const mebibytes = parseMebibytes(heap) ?? 2048;
  return mebibytes + Math.max(512, Math.ceil(mebibytes / 4));
}

/** The itzg/minecraft-server settings that are not secret, as its environment variables. Key order is fixed. */
export function serverEnvironment(params: MinecraftJavaParams): Record<string, string> {
  const env: Record<string, string> = {
    EULA: "TRUE",
    TYPE: params.type,
    VERSION: params.version,
    MEMORY: params.memory,
    DIFFICULTY: params.difficulty,
    MAX_PLAYERS: String(params.maxPlayers),
    ONLINE_MODE: String(params.onlineMode),
    ENABLE_RCON: "true",
    RCON_PORT: String(rconPort),
  };
  if (params.motd !== undefined && params.motd !== "") env["MOTD"] = params.motd;
  if (params.ops.length > 0) env["OPS"] = params.ops.join(",");
  if (params.whitelist.length > 0) env["WHITELIST"] = params.whitelist.join(",");
  return env;
}

/** The RCON Secret: the owner's when named, otherwise the generated one. */
const rconSecretName = (ctx: Ctx): string => ctx.params.existingRconSecret ?? ctx.secretName("rcon");

/** The server as a {@link GameServer}: RCON on the pod, its password from a Secret by reference. */
function gameServer(ctx: Ctx): GameServer {
  const { params, stack } = ctx;
  return {
    name: stack.name,
    image: params.image ?? minecraftJavaImage,
    configMap: `${stack.name}-config`,
    environment: serverEnvironment(params),
    env: [
      {
        name: "RCON_PASSWORD",
        valueFrom: { secretKeyRef: { name: rconSecretName(ctx), key: rconKey } },
      },
    ],
    // RCON stays off the Service: it is reachable only from inside the pod network.
    ports: [
      { name: "minecraft", port: minecraftPort, protocol: "TCP", onService: true },
      { name: "rcon", port: rconPort, protocol: "TCP", onService: false },
    ],
    memoryMebibytes: containerMebibytes(params.memory),
    cpu: params.resources,
    probe: { exec: { command: ["mc-health"] } },
    // First start downloads the server and generates the world: up to 10 minutes.
    startup: { initialDelaySeconds: 30, failureThreshold: 57 },
    storageMebibytes: parseMebibytes(params.storage) ?? 10240,
    serviceType: params.serviceType,
    ...gameServerPower(ctx),
  };
}

/**
 * `minecraft-java`: a Minecraft Java Edition server on itzg/minecraft-server.
 *
 * Components: `config` (ConfigMap of the server's environment) → `server`
 * (StatefulSet of one replica, world on a volume at /data, RCON password from
 * a Secret by reference) → `service` (the game port only). Changing
 * `version`, `type` or `image` is an upgrade. `storage` is fixed at creation:
 * a StatefulSet's volume claim templates are immutable and growing the
 * claim in place is not supported yet, so it is in `guardrails.immutable`.
 * `upgrade.allowed` refuses a release version going down (Minecraft cannot
 * load a world saved by a newer version); LATEST and SNAPSHOT always pass.
 */
export const minecraftJava: Template<MinecraftJavaParams> = {
  name: "minecraft-java",
  version: "1.0.0",
  description: "Minecraft Java Edition server (itzg/minecraft-server) with RCON and a persistent world.",
  params: MinecraftJavaParamsSchema,
  guardrails: {
    immutable: ["/storage"],
    adoptable: ["/motd", "/difficulty", "/maxPlayers", "/ops", "/whitelist"],
  },
  components: gameServerComponents(gameServer, 600),
  upgrade: {
    fields: ["/version", "/type", "/image"],
    allowed: (from, to) =>
      isDowngrade(from.version, to.version)
        ? `version cannot go down from ${from.version} to ${to.version}: Minecraft cannot load a world saved by a newer version`
        : undefined,
  },
  ignore: [],
  generatedSecrets: [{ name: "rcon", keys: [rconKey], length: 24 }],
  prerequisites: (params) =>
    params.existingRconSecret === undefined
      ? []
      : [{ kind: "Secret", name: params.existingRconSecret, field: "/existingRconSecret" }],
  data: { components: ["server"] },
  validate: validateMinecraftJava,
  // itzg's rcon-cli reads the RCON port and password from the container's environment.
  game: {
    component: "server",
    container: "server",
    port: "minecraft",
    console: { command: ["rcon-cli"], replies: true },
  },
};

/** True when both versions are releases (`1.21.4`) and `to` is older than `from`. */
export function isDowngrade(from: string, to: string): boolean {
  const parse = (v: string): number[] | undefined =>
    /^\d+(\.\d+)*$/.test(v) ? v.split(".").map(Number) : undefined;
  const a = parse(from);
  const b = parse(to);
  if (!a || !b) return false;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return y < x;
  }
  return false;
}
