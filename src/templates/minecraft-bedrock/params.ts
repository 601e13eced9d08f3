import { Type, type Static } from "@sinclair/typebox";
import { stringEnum } from "../../api/string-enum.ts";
import type { FieldProblem } from "../../api/validate.ts";
import { cpuPattern, parseMebibytes } from "../../resources/quantity.ts";

/** The image the template runs unless an admin overrides `image`: pinned, never `latest`. */
export const minecraftBedrockImage = "itzg/minecraft-bedrock-server:2026.9.2";

/** The message an owner sees without `eula: true`. */
export const eulaMessage =
  "you must accept the Minecraft EULA (https://aka.ms/MinecraftEULA) by setting eula: true";

/** The container memory the `memory` guardrail allows, in MiB: 512M to 16G. */
export const memoryRange = { min: 512, max: 16 * 1024 } as const;

/** An Xbox gamertag, optionally with its XUID (`name:2535...`), as ALLOW_LIST_USERS takes it. */
const Player = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9 _]{0,15}(:\\d{1,20})?$" });

/**
 * The parameters of `minecraft-bedrock`: what an owner may set, with
 * defaults, ranges, enums and patterns; unknown parameters are rejected. The
 * memory guardrail (512M–16G) is checked by {@link validateMinecraftBedrock}.
 */
export const MinecraftBedrockParamsSchema = Type.Object(
  {
    eula: Type.Literal(true, {
      description: "Accept the Minecraft EULA (https://aka.ms/MinecraftEULA).",
      errorMessage: eulaMessage,
    }),
    version: Type.String({
      default: "LATEST",
      pattern: "^(LATEST|PREVIEW|\\d+\\.\\d+(\\.\\d+){0,2})$",
      description: "Bedrock server version: LATEST, PREVIEW or a release such as 1.21.50.07.",
    }),
    gamemode: stringEnum(["survival", "creative", "adventure"], {
      default: "survival",
      description: "Game mode.",
    }),
    difficulty: stringEnum(["peaceful", "easy", "normal", "hard"], {
      default: "easy",
      description: "Game difficulty.",
    }),
    serverName: Type.String({
      default: "Dedicated Server",
      minLength: 1,
      maxLength: 59,
      description: "Name in the server list.",
    }),
    memory: Type.String({
      default: "1G",
      pattern: "^\\d+[MG]$",
      description: "Container memory, e.g. 1G or 1536M (512M to 16G).",
    }),
    maxPlayers: Type.Integer({ minimum: 1, maximum: 500, default: 10, description: "Most players at once." }),
    onlineMode: Type.Boolean({ default: true, description: "Require Xbox Live authentication." }),
    allowList: Type.Array(Player, {
      default: [],
      maxItems: 1000,
      description: "Players allowed to join (gamertag or gamertag:xuid); when not empty, nobody else may.",
    }),
    serviceType: stringEnum(["ClusterIP", "NodePort", "LoadBalancer"], {
      default: "ClusterIP",
      description: "How the server is exposed.",
    }),
    storage: Type.String({
      default: "5Gi",
      pattern: "^\\d+(Mi|Gi|Ti)$",
      description: "Size of the world volume; fixed at creation.",
    }),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: "^[^\\s]+$",
        description: `Admins only: replaces ${minecraftBedrockImage}.`,
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
  },
  { additionalProperties: false },
);

/** The parameters of `minecraft-bedrock`, with defaults applied. */
export type MinecraftBedrockParams = Static<typeof MinecraftBedrockParamsSchema>;

/** Rules beyond the schema: the memory must be within {@link memoryRange}. */
export function validateMinecraftBedrock(params: MinecraftBedrockParams): FieldProblem[] {
  const memory = parseMebibytes(params.memory);
  if (memory !== undefined && (memory < memoryRange.min || memory > memoryRange.max)) {
    return [{ path: "/memory", message: `must be between 512M and 16G (got ${params.memory})` }];
  }
  return [];
}
