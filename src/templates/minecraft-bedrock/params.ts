import { Type, type Static } from "@sinclair/typebox";
import { stringEnum } from "../../api/string-enum.ts";
import type { FieldProblem } from "../../api/validate.ts";
import {
  CpuResourcesParam,
  DifficultyParam,
  EulaParam,
  ServiceTypeParam,
  imageParam,
  maxPlayersParam,
  memoryParam,
  memoryProblems,
  storageParam,
} from "../game-server-params.ts";

/** Re-exported from the shared game-server parameters, which both Minecraft templates use. */
export { eulaMessage, memoryRange } from "../game-server-params.ts";

/** The image the template runs unless an admin overrides `image`: pinned, never `latest`. */
export const minecraftBedrockImage = "itzg/minecraft-bedrock-server:2026.9.2";

/** An Xbox gamertag, optionally with its XUID (`name:2535...`), as ALLOW_LIST_USERS takes it. */
const Player = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9 _]{0,15}(:\\d{1,20})?$" });

/**
 * The parameters of `minecraft-bedrock`: what an owner may set, with
 * defaults, ranges, enums and patterns; unknown parameters are rejected. The
 * memory guardrail (512M–16G) is checked by {@link validateMinecraftBedrock}.
 */
export const MinecraftBedrockParamsSchema = Type.Object(
  {
    eula: EulaParam,
    version: Type.String({
      default: "LATEST",
      pattern: "^(LATEST|PREVIEW|\\d+\\.\\d+(\\.\\d+){0,2})$",
      description: "Bedrock server version: LATEST, PREVIEW or a release such as 1.21.50.07.",
    }),
    gamemode: stringEnum(["survival", "creative", "adventure"], {
      default: "survival",
      description: "Game mode.",
    }),
    difficulty: DifficultyParam,
    serverName: Type.String({
      default: "Dedicated Server",
      minLength: 1,
      maxLength: 59,
      description: "Name in the server list.",
    }),
    memory: memoryParam("1G", "Container memory, e.g. 1G or 1536M (512M to 16G)."),
    maxPlayers: maxPlayersParam(10),
    onlineMode: Type.Boolean({ default: true, description: "Require Xbox Live authentication." }),
    allowList: Type.Array(Player, {
      default: [],
      maxItems: 1000,
      description: "Players allowed to join (gamertag or gamertag:xuid); when not empty, nobody else may.",
    }),
    serviceType: ServiceTypeParam,
    storage: storageParam("5Gi"),
    image: imageParam(minecraftBedrockImage),
    resources: CpuResourcesParam,
  },
  { additionalProperties: false },
);

/** The parameters of `minecraft-bedrock`, with defaults applied. */
export type MinecraftBedrockParams = Static<typeof MinecraftBedrockParamsSchema>;

/** Rules beyond the schema: the memory must be within {@link memoryRange}. */
export function validateMinecraftBedrock(params: MinecraftBedrockParams): FieldProblem[] {
  return memoryProblems(params.memory);
}
