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
export const minecraftJavaImage = "itzg/minecraft-server:2026.9.2";

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
    eula: EulaParam,
    type: stringEnum(["VANILLA", "PAPER", "FABRIC", "FORGE", "SPIGOT", "PURPUR"], {
      default: "VANILLA",
      description: "Server type.",
    }),
    version: Type.String({
      default: "LATEST",
      pattern: "^(LATEST|SNAPSHOT|\\d+\\.\\d+(\\.\\d+)?)$",
      description: "Minecraft version: LATEST, SNAPSHOT or a release such as 1.21.4.",
    }),
    memory: memoryParam(
      "2G",
      "Java heap, e.g. 2G or 1536M (512M to 16G); the container gets the heap plus overhead.",
    ),
    motd: Type.Optional(
      Type.String({ maxLength: 59, description: "Message of the day in the server list." }),
    ),
    difficulty: DifficultyParam,
    maxPlayers: maxPlayersParam(20),
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
    serviceType: ServiceTypeParam,
    storage: storageParam("10Gi"),
    image: imageParam(minecraftJavaImage),
    resources: CpuResourcesParam,
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
  return memoryProblems(params.memory);
}
