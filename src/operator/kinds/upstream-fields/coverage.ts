import { readdir, readFile } from "node:fs/promises";
import type { KubeObject } from "../../../api/object.ts";
import { parsePathList, unservedPaths } from "./schema-paths.ts";

/** One upstream field list against the CRD version serving it. */
export interface Coverage {
  readonly group: string;
  readonly version: string;
  /** The kind the file names, when its group has several. */
  readonly kind: string | undefined;
  readonly upstream: readonly string[];
  /** The upstream paths not served; undefined when no CRD serves that group, kind and version. */
  readonly missing: readonly string[] | undefined;
}

type Crd = {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{
      name: string;
      schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } };
    }>;
  };
};

/**
 * Every upstream list in `dir` (`<group>-<version>[-<Kind>].paths`; the kind tells apart kinds of
 * one group) against the served version of its kind among `crds`, in file order.
 */
export async function upstreamCoverage(dir: URL, crds: readonly KubeObject[]): Promise<Coverage[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".paths")).sort();
  const out: Coverage[] = [];
  for (const file of files) {
    const [group, rest] = file.replace(/\.paths$/, "").split(/-(?=v\d)/) as [string, string];
    const [version, kind] = rest.split("-") as [string, string | undefined];
    const upstream = parsePathList(await readFile(new URL(file, dir), "utf8"));
    const crd = (crds as unknown as Crd[]).find(
      (c) => c.spec.group === group && (kind === undefined || c.spec.names.kind === kind),
    );
    const served = crd?.spec.versions.find((v) => v.name === version);
    const missing = served
      ? unservedPaths(upstream, served.schema.openAPIV3Schema.properties.spec)
      : undefined;
    out.push({ group, version, kind, upstream, missing });
  }
  return out;
}
