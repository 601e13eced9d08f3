import { chronikCluster } from "./chronik-cluster/template.ts";
import { chronikIoCluster } from "./chronik-io-cluster/template.ts";
import { minecraftBedrock } from "./minecraft-bedrock/template.ts";
import { multigres } from "./multigres/template.ts";
import { multigresCluster } from "./multigres-cluster/template.ts";
import { observabilityPlatform } from "./observability-platform/template.ts";
import { minecraftJava } from "./minecraft-java/template.ts";
import type { Template } from "./template.ts";

/**
 * A template with its parameter type erased, for code that handles any
 * template. Safe because every caller validates parameters against
 * `template.params` before a builder sees them.
 */
const erase = <P>(t: Template<P>): Template => t as unknown as Template;

/** Every template Stackwarden ships, by name. */
export const templates: ReadonlyMap<string, Template> = new Map(
  [
    erase(minecraftJava),
    erase(minecraftBedrock),
    erase(observabilityPlatform),
    erase(chronikCluster),
    erase(chronikIoCluster),
    erase(multigres),
    erase(multigresCluster),
  ].map((t) => [t.name, t]),
);

/**
 * The template named `name`, or undefined when there is none. With `version`,
 * only that exact version matches (each template ships one version today).
 */
export function findTemplate(name: string, version?: string): Template | undefined {
  const t = templates.get(name);
  return t && (version === undefined || version === t.version) ? t : undefined;
}

/** What the UI and the API list about a template. */
export interface TemplateSummary {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** The parameter schema (JSON Schema), for the form. */
  readonly params: unknown;
}

/** Every template, sorted by name, for listings. */
export function listTemplates(): TemplateSummary[] {
  return [...templates.values()]
    .map((t) => ({ name: t.name, version: t.version, description: t.description, params: t.params }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
