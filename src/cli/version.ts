import { packageVersion } from "../sandbox/paths.ts";
import { etcdVersion, kubernetesVersion, kwokVersion } from "../sandbox/versions.ts";
import { listTemplates } from "../templates/registry.ts";

/**
 * What `stackwarden version` prints: Stackwarden's version, the Kubernetes (and etcd, KWOK) the
 * sandbox is built from, the Node.js running it and every template's version, one per line.
 */
export function versionReport(): string {
  const templates = listTemplates();
  const width = Math.max(...templates.map((t) => t.name.length));
  return [
    `stackwarden ${packageVersion()}`,
    `kubernetes  ${kubernetesVersion} (the sandbox; etcd ${etcdVersion}, kwok ${kwokVersion})`,
    `node        ${process.version}`,
    "templates:",
    ...templates.map((t) => `  ${t.name.padEnd(width)}  ${t.version}`),
    "",
  ].join("\n");
}
