import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../sandbox/paths.ts";
import { etcdVersion, kubernetesVersion, kwokVersion } from "../sandbox/versions.ts";
import { listTemplates } from "../templates/registry.ts";

/** Stackwarden's own version, from its package.json. */
export function stackwardenVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

/**
 * What `stackwarden version` prints: Stackwarden's version, the Kubernetes (and etcd, KWOK) the
 * sandbox is built from, the Node.js running it and every template's version, one per line.
 */
export function versionReport(): string {
  const templates = listTemplates();
  const width = Math.max(...templates.map((t) => t.name.length));
  return [
    `stackwarden ${stackwardenVersion()}`,
    `kubernetes  ${kubernetesVersion} (the sandbox; etcd ${etcdVersion}, kwok ${kwokVersion})`,
    `node        ${process.version}`,
    "templates:",
    ...templates.map((t) => `  ${t.name.padEnd(width)}  ${t.version}`),
    "",
  ].join("\n");
}
