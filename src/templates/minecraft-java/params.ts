import { Type, type Static } from "@sinclair/typebox";
import { stringEnum } from "../../api/string-enum.ts";
import type { FieldProblem } from "../../api/validate.ts";
import { cpuPattern, parseMebibytes } from "../../resources/quantity.ts";

/** The image the template runs unless an admin overrides `image`: pinned, never `latest`. */
export const minecraftJavaImage = "itzg/minecraft-server:2026.9.2";

/** The message an owner sees without `eula: true`. */
export const eulaMessage =
  "you must accept the Minecraft EULA (https://aka.ms/MinecraftEULA) by setting eula: true";

/** The heap sizes the `memory` guardrail allows, in MiB: 512M to 16G. */
export const memoryRange = { min: 512, max: 16 * 1024 } as const;

/** A Minecraft account name (3–16 word characters) or UUID, as OPS and WHITELIST accept them. */
const Player = Type.String({
  pattern:
    "^([A-Za-z0-9_]{3,16}|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$",
});

/**
 * The parameters of `minecraft-java`: what an owner may set, with defaults,
 * ranges, enums and patterns; unknown parameters are rejected. The memory
 * guardrail (512M–16G) is checked by {@link validateMinecraftJava}.
 */
export const MinecraftJavaParamsSchema = Type.Object(
  {
    eula: Type.Literal(true, {
      description: "Accept the Minecraft EULA (https://aka.ms/MinecraftEULA).",
      errorMessage: eulaMessage,
    }),
    type: stringEnum(["VANILLA", "PAPER", "FABRIC", "FORGE", "SPIGOT", "PURPUR"], {
      default: "VANILLA",
      description: "Server type.",
    }),
    version: Type.String({
      default: "LATEST",
      pattern: "^(LATEST|SNAPSHOT|\\d+\\.\\d+(\\.\\d+)?)$",
      description: "Minecraft version: LATEST, SNAPSHOT or a release such as 1.21.4.",
    }),
    memory: Type.String({
      default: "2G",
      pattern: "^\\d+[MG]$",
      description: "Java heap, e.g. 2G or 1536M (512M to 16G); the container gets the heap plus overhead.",
    }),
    motd: Type.Optional(
      Type.String({ maxLength: 59, description: "Message of the day in the server list." }),
    ),
    difficulty: stringEnum(["peaceful", "easy", "normal", "hard"], {
      default: "easy",
      description: "Game difficulty.",
    }),
    maxPlayers: Type.Integer({ minimum: 1, maximum: 500, default: 20, description: "Most players at once." }),
    onlineMode: Type.Boolean({
      default: true,
      description: "Check players against Mojang's account servers.",
    }),
    ops: Type.Array(Player, { default: [], maxItems: 100, description: "Operators (names or UUIDs)." }),
    whitelist: Type.Array(Player, {
      default: [],
      maxItems: 1000,
      description: "Players allowed to join; when not empty, nobody else may.",
    }),
    serviceType: stringEnum(["ClusterIP", "NodePort", "LoadBalancer"], {
      default: "ClusterIP",
      description: "How the server is exposed.",
    }),
    storage: Type.String({
      default: "10Gi",
      pattern: "^\\d+(Mi|Gi|Ti)$",
      description: "Size of the world volume; fixed at creation.",
    }),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: "^[^\\s]+$",
        description: `Admins only: replaces ${minecraftJavaImage}.`,
      }),
    ),
    resources: Type.Optional(
      Type.Object(
        {
          requests: Type.Optional(
            Type.Object({ cpu: Type.String({ pattern: cpuPattern }) }, { additionalProperties: false }),
          ),
          limits: Type.Optional(
            Type.Object({ cpu: Type.String({ pattern: cpuPattern }) }, { additionalProperties: false }),
          ),
        },
        { additionalProperties: false, description: "CPU request and limit; memory follows from `memory`." },
      ),
    ),
    existingRconSecret: Type.Optional(
      Type.String({
        pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
        maxLength: 253,
        description:
          "A Secret you provide with key rcon-password; the stack waits for it. Default: generated.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The parameters of `minecraft-java`, with defaults applied. */
export type MinecraftJavaParams = Static<typeof MinecraftJavaParamsSchema>;

/**
 * Rules beyond the schema: the heap must be within {@link memoryRange}.
 * Returns one problem per broken rule, with the parameter's path.
 */
export function validateMinecraftJava(params: MinecraftJavaParams): FieldProblem[] {
  const heap = parseMebibytes(params.memory);
  if (heap !== undefined && (heap < memoryRange.min || heap > memoryRange.max)) {
    return [{ path: "/memory", message: `must be between 512M and 16G (got ${params.memory})` }];
  }
  return [];
}
