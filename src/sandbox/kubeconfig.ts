/** What a kubeconfig for the sandbox's admin needs. */
export interface KubeconfigInput {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
}

/**
 * Renders an admin kubeconfig: one cluster, one user authenticated by a bearer
 * token, one context that is current. Pure; strings are JSON-quoted, which is
 * valid YAML, so no value can break the document.
 */
export function renderKubeconfig(input: KubeconfigInput): string {
  const context = `stackwarden-${input.name}`;
  const q = (s: string): string => JSON.stringify(s);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(context)}`,
    "  cluster:",
    `    server: ${q(input.server)}`,
    `    certificate-authority-data: ${q(Buffer.from(input.caPem).toString("base64"))}`,
    "users:",
    `- name: ${q(`${context}-admin`)}`,
    "  user:",
    `    token: ${q(input.token)}`,
    "contexts:",
    `- name: ${q(context)}`,
    "  context:",
    `    cluster: ${q(context)}`,
    `    user: ${q(`${context}-admin`)}`,
    `current-context: ${q(context)}`,
    "",
  ].join("\n");
}

/**
 * The certificate authority that signed the API server's self-generated
 * serving certificate. kube-apiserver writes the serving certificate followed
 * by its CA into one file; returns the last PEM block, or undefined when the
 * file holds only one certificate (which is then its own CA).
 */
export function lastPemBlock(bundle: string): string | undefined {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.length > 0 ? `${blocks[blocks.length - 1]}\n` : undefined;
}
