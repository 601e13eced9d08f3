import type { MultigresClusterSpec } from "../../api/multigres-cluster.ts";
import type { ShardConfig } from "../../api/multigres-cluster-spec.ts";

/** The template kinds a MultigresCluster refers to. */
export type TemplateKind = "CoreTemplate" | "CellTemplate" | "ShardTemplate";

/** A template's `spec` in the cluster's namespace (`{}` for one without a spec), undefined when there is none. */
export type LookupTemplate = (kind: TemplateKind, name: string) => Record<string, unknown> | undefined;

/** A cluster's spec with its templates applied, what went wrong, and every template it depends on. */
export interface ResolvedTemplates {
  /** The spec with every component inline (`spec`), no template reference or `overrides` left where one applied. */
  readonly spec: Partial<MultigresClusterSpec>;
  /** A named template that does not exist, as `/spec/…: message`. */
  readonly problems: readonly string[];
  /** `Kind/name` of every template the spec depends on, the implicit `default` ones included. */
  readonly references: readonly string[];
}

/** The namespace-level fallback upstream uses when nothing names a template. */
export const defaultTemplateName = "default";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `patch` laid over `base`: objects merge key by key (recursively), anything
 * else in `patch` (scalars, lists) replaces what `base` has; a key absent from
 * `patch` keeps `base`'s value. Neither input is changed. Pure.
 */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return structuredClone(base);
  if (!isObject(base) || !isObject(patch)) return structuredClone(patch);
  const out: Json = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(base[key], value);
  return out;
}

/**
 * Applies a cluster's templates the way upstream's resolver does, level by
 * level for each component: an inline `spec` wins; otherwise the template the
 * component names (`cellTemplate`, `shardTemplate`, `templateRef`), else the
 * cluster's `templateDefaults`, else a template named `default` in the
 * namespace, else the system defaults (nothing changed here). A cell's or
 * shard's `overrides` are deep-merged over its template. A template that is
 * named but missing is a problem naming the field that names it; a missing
 * implicit `default` is not. The default database (`postgres` / `default` /
 * `0-inf`) is written out so a shard template reaches it. Pure.
 */
export function resolveTemplates(
  spec: Partial<MultigresClusterSpec>,
  lookup: LookupTemplate,
): ResolvedTemplates {
  const problems: string[] = [];
  const references = new Set<string>();
  const defaults = spec.templateDefaults ?? {};
  /** The template for one component: the first name given, its spec, or undefined (system defaults). */
  const pick = (kind: TemplateKind, candidates: Array<[string, string | undefined]>): Json | undefined => {
    const named = candidates.find(([, name]) => name !== undefined && name !== "");
    const name = named?.[1] ?? defaultTemplateName;
    references.add(`${kind}/${name}`);
    const found = lookup(kind, name);
    if (found === undefined && named)
      problems.push(`${named[0]}: ${kind} "${name}" does not exist in the cluster's namespace`);
    return found;
  };
  const out = structuredClone(spec) as Json;

  const global = spec.globalTopoServer;
  if (!global?.etcd && !global?.external) {
    const core = pick("CoreTemplate", [
      ["/spec/globalTopoServer/templateRef", global?.templateRef],
      ["/spec/templateDefaults/coreTemplate", defaults.coreTemplate],
    ]);
    const fromTemplate = core?.["globalTopoServer"] as Json | undefined;
    if (global !== undefined || fromTemplate !== undefined) {
      const { templateRef: _ref, ...own } = global ?? {};
      out["globalTopoServer"] = deepMerge(fromTemplate ?? {}, own);
    }
  }
  for (const field of ["multiadmin", "multiadminWeb"] as const) {
    const written = spec[field];
    if (written?.spec) continue;
    const core = pick("CoreTemplate", [
      [`/spec/${field}/templateRef`, written?.templateRef],
      ["/spec/templateDefaults/coreTemplate", defaults.coreTemplate],
    ]);
    const fromTemplate = core?.[field] as Json | undefined;
    if (written !== undefined || fromTemplate !== undefined) {
      const { templateRef: _ref, ...own } = written ?? {};
      out[field] = { ...own, ...(fromTemplate && { spec: structuredClone(fromTemplate) }) };
    }
  }

  out["cells"] = (spec.cells ?? []).map((cell, i) => {
    if (cell.spec) return structuredClone(cell);
    const template = pick("CellTemplate", [
      [`/spec/cells/${i}/cellTemplate`, cell.cellTemplate],
      ["/spec/templateDefaults/cellTemplate", defaults.cellTemplate],
    ]);
    const { cellTemplate: _ref, overrides, ...own } = cell;
    const merged = deepMerge(template ?? {}, overrides ?? {}) as Json;
    return Object.keys(merged).length > 0 ? { ...own, spec: merged } : own;
  });
  if (spec.cells === undefined) delete out["cells"];

  const shard = (s: ShardConfig, at: string): ShardConfig => {
    if (s.spec) return structuredClone(s);
    const template = pick("ShardTemplate", [
      [`${at}/shardTemplate`, s.shardTemplate],
      ["/spec/templateDefaults/shardTemplate", defaults.shardTemplate],
    ]);
    const { shardTemplate: _ref, overrides, ...own } = s;
    const merged = deepMerge(template ?? {}, overrides ?? {}) as Json;
    return Object.keys(merged).length > 0 ? { ...own, spec: merged } : own;
  };
  const databases = spec.databases ?? [{ name: "postgres", default: true }];
  out["databases"] = databases.map((db, d) => ({
    ...structuredClone(db),
    tablegroups: (db.tablegroups ?? [{ name: "default", default: true }]).map((tg, t) => ({
      ...structuredClone(tg),
      shards: (tg.shards ?? [{ name: "0-inf" }]).map((s, i) =>
        shard(s, `/spec/databases/${d}/tablegroups/${t}/shards/${i}`),
      ),
    })),
  }));

  return { spec: out, problems, references: [...references].sort() };
}
