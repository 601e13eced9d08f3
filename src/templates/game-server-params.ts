import {
  Type,
  type TInteger,
  type TLiteral,
  type TObject,
  type TOptional,
  type TString,
} from "@sinclair/typebox";
import { stringEnum } from "../api/string-enum.ts";
import type { FieldProblem } from "../api/validate.ts";
import { cpuPattern, parseMebibytes } from "../resources/quantity.ts";

/** The message an owner sees without `eula: true`. */
export const eulaMessage =
  "you must accept the Minecraft EULA (https://aka.ms/MinecraftEULA) by setting eula: true";

/** The memory sizes the `memory` guardrail allows, in MiB: 512M to 16G. */
export const memoryRange = { min: 512, max: 16 * 1024 } as const;

/** `eula`: must be `true`, so the owner has accepted the Minecraft EULA. */
export const EulaParam: TLiteral<true> = Type.Literal(true, {
  description: "Accept the Minecraft EULA (https://aka.ms/MinecraftEULA).",
  errorMessage: eulaMessage,
});

/** `difficulty`: the game difficulty, `easy` by default. */
export const DifficultyParam = stringEnum(["peaceful", "easy", "normal", "hard"], {
  default: "easy",
  description: "Game difficulty.",
});

/** `serviceType`: how the Service exposes the server, `ClusterIP` by default. */
export const ServiceTypeParam = stringEnum(["ClusterIP", "NodePort", "LoadBalancer"], {
  default: "ClusterIP",
  description: "How the server is exposed.",
});

const Cpu = Type.Optional(
  Type.Object({ cpu: Type.String({ pattern: cpuPattern }) }, { additionalProperties: false }),
);

/** The shape of `resources`: an optional CPU request and limit, nothing else. */
export type TCpuResources = TOptional<TObject<{ requests: typeof Cpu; limits: typeof Cpu }>>;

/** `resources`: CPU request and limit; memory follows from the `memory` parameter. */
export const CpuResourcesParam: TCpuResources = Type.Optional(
  Type.Object(
    { requests: Cpu, limits: Cpu },
    { additionalProperties: false, description: "CPU request and limit; memory follows from `memory`." },
  ),
);

/** `memory`: a size in M or G (e.g. `2G`, `1536M`); the range is checked by {@link memoryProblems}. */
export function memoryParam(defaultSize: string, description: string): TString {
  return Type.String({ default: defaultSize, pattern: "^\\d+[MG]$", description });
}

/** `maxPlayers`: most players at once, 1 to 500. */
export function maxPlayersParam(defaultPlayers: number): TInteger {
  return Type.Integer({
    minimum: 1,
    maximum: 500,
    default: defaultPlayers,
    description: "Most players at once.",
  });
}

/** `storage`: the world volume's size in Mi, Gi or Ti; fixed at creation. */
export function storageParam(defaultSize: string): TString {
  return Type.String({
    default: defaultSize,
    pattern: "^\\d+(Mi|Gi|Ti)$",
    description: "Size of the world volume; fixed at creation.",
  });
}

/** `image`: an admin's replacement for the pinned `defaultImage`, any reference without spaces. */
export function imageParam(defaultImage: string): TOptional<TString> {
  return Type.Optional(
    Type.String({
      minLength: 1,
      pattern: "^[^\\s]+$",
      description: `Admins only: replaces ${defaultImage}.`,
    }),
  );
}

/** A problem at `/memory` when `memory` is outside {@link memoryRange}; none otherwise. */
export function memoryProblems(memory: string): FieldProblem[] {
  const mebibytes = parseMebibytes(memory);
  if (mebibytes !== undefined && (mebibytes < memoryRange.min || mebibytes > memoryRange.max)) {
    return [{ path: "/memory", message: `must be between 512M and 16G (got ${memory})` }];
  }
  return [];
}
