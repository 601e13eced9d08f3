import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import type { RequestOptions } from "node:https";
import { load } from "js-yaml";
import type { Cluster, KubeConfig } from "@kubernetes/client-node";

/**
 * What {@link KubeClient} needs of a kubeconfig: the API server, and TLS material and headers for
 * each request. `@kubernetes/client-node`'s `KubeConfig` is one; {@link loadKubeAccess} returns a
 * lighter one when the kubeconfig needs nothing that library alone can do.
 */
export type KubeAccess = Pick<KubeConfig, "getCurrentCluster" | "applyToHTTPSOptions">;

/** The parts of a kubeconfig the light reader understands; anything else goes to client-node. */
export interface PlainAccess {
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  /** Read again (at most once a minute) for each request: projected tokens rotate. */
  readonly tokenFile?: string;
  readonly skipTLSVerify: boolean;
}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
type Yaml = Record<string, unknown>;
const named = (list: unknown, name: unknown, field: string): Yaml | undefined =>
  (Array.isArray(list) ? (list as Yaml[]) : []).find((e) => e.name === name)?.[field] as Yaml | undefined;

/**
 * The current context of kubeconfig `text` (its files resolved against `dir`) as plain access, or
 * undefined when it asks for what only client-node does: exec plugins, auth providers, basic auth,
 * proxies, TLS server names. Throws, naming the field, when the current context is missing.
 */
export function plainAccess(text: string, dir: string): PlainAccess | undefined {
  const doc = (load(text) ?? {}) as Yaml;
  const context = named(doc.contexts, doc["current-context"], "context");
  if (!context)
    throw new Error(
      `kubeconfig: current-context ${JSON.stringify(doc["current-context"])} is not in contexts`,
    );
  const cluster = named(doc.clusters, context.cluster, "cluster");
  if (!cluster || typeof cluster.server !== "string")
    throw new Error(`kubeconfig: cluster ${JSON.stringify(context.cluster)} has no server`);
  const user = named(doc.users, context.user, "user") ?? {};
  const unsupported = ["exec", "auth-provider", "username", "password", "as", "impersonate"];
  if (unsupported.some((f) => user[f] !== undefined)) return undefined;
  if (cluster["proxy-url"] !== undefined || cluster["tls-server-name"] !== undefined) return undefined;
  const file = (data: unknown, path: unknown): Buffer | undefined =>
    typeof data === "string"
      ? Buffer.from(data, "base64")
      : typeof path === "string"
        ? readFileSync(isAbsolute(path) ? path : join(dir, path))
        : undefined;
  const ca = file(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  const cert = file(user["client-certificate-data"], user["client-certificate"]);
  const key = file(user["client-key-data"], user["client-key"]);
  const tokenFile = user.tokenFile;
  return {
    server: cluster.server,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(typeof user.token === "string" ? { token: user.token } : {}),
    ...(typeof tokenFile === "string"
      ? { tokenFile: isAbsolute(tokenFile) ? tokenFile : join(dir, tokenFile) }
      : {}),
    skipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
  };
}

/** {@link KubeAccess} over {@link PlainAccess}: what client-node's KubeConfig would set, for those fields. */
export class PlainKubeAccess implements KubeAccess {
  readonly #access: PlainAccess;
  #token: { value: string; readAt: number } | undefined;
  constructor(access: PlainAccess) {
    this.#access = access;
  }

  getCurrentCluster(): Cluster {
    return { name: "current", server: this.#access.server, skipTLSVerify: this.#access.skipTLSVerify };
  }

  applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const a = this.#access;
    if (a.ca) opts.ca = a.ca;
    if (a.cert) opts.cert = a.cert;
    if (a.key) opts.key = a.key;
    if (a.skipTLSVerify) opts.rejectUnauthorized = false;
    const token = this.#currentToken();
    if (token) opts.headers = { ...opts.headers, authorization: `Bearer ${token}` };
    return Promise.resolve();
  }

  /** The same access as client-node's KubeConfig, built with the class given (imported by the caller). */
  toClientNode(KubeConfigClass: typeof KubeConfig): KubeConfig {
    const a = this.#access;
    const kc = new KubeConfigClass();
    const token = this.#currentToken();
    kc.loadFromOptions({
      clusters: [
        {
          name: "current",
          server: a.server,
          skipTLSVerify: a.skipTLSVerify,
          ...(a.ca ? { caData: a.ca.toString("base64") } : {}),
        },
      ],
      users: [
        {
          name: "current",
          ...(a.cert ? { certData: a.cert.toString("base64") } : {}),
          ...(a.key ? { keyData: a.key.toString("base64") } : {}),
          ...(token ? { token } : {}),
        },
      ],
      contexts: [{ name: "current", cluster: "current", user: "current" }],
      currentContext: "current",
    });
    return kc;
  }

  #currentToken(): string | undefined {
    const { tokenFile, token } = this.#access;
    if (!tokenFile) return token;
    if (!this.#token || Date.now() - this.#token.readAt > 60_000)
      this.#token = { value: readFileSync(tokenFile, "utf8").trim(), readAt: Date.now() };
    return this.#token.value;
  }
}

/**
 * Loads the kubeconfig at `path`, else `KUBECONFIG`, else `~/.kube/config`, else the in-cluster
 * service account — client-node's order. `@kubernetes/client-node` (80 MiB of loaded modules) is
 * imported only when the kubeconfig needs it (exec plugins, auth providers, several files in
 * `KUBECONFIG`, proxies); certificates and tokens are read here.
 */
export async function loadKubeAccess(path?: string): Promise<KubeAccess> {
  const envPath = process.env.KUBECONFIG;
  const home = join(homedir(), ".kube", "config");
  const file = path ?? (envPath ? envPath : existsSync(home) ? home : undefined);
  if (file !== undefined && !file.includes(":")) {
    const access = plainAccess(readFileSync(file, "utf8"), dirname(file));
    if (access) return new PlainKubeAccess(access);
  }
  const host = process.env.KUBERNETES_SERVICE_HOST;
  if (file === undefined && host && existsSync(join(serviceAccountDir, "token"))) {
    const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
    return new PlainKubeAccess({
      server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      ca: readFileSync(join(serviceAccountDir, "ca.crt")),
      tokenFile: join(serviceAccountDir, "token"),
      skipTLSVerify: false,
    });
  }
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/**
 * The kubeconfig `text` (files it names resolved against `dir`) as {@link KubeAccess}: read here
 * when it needs nothing more than certificates and tokens, else by client-node, imported only then.
 * The control plane reads the kubeconfigs it stores this way.
 */
export async function kubeAccessFromText(text: string, dir = process.cwd()): Promise<KubeAccess> {
  const access = plainAccess(text, dir);
  if (access) return new PlainKubeAccess(access);
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}

/**
 * client-node's `KubeConfig` for `access`, for the one thing only client-node does here: pods/exec
 * over websockets. Imports client-node on first use, so a process that never execs never loads it.
 */
export async function clientNodeConfig(access: KubeAccess): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  if (access instanceof KubeConfig) return access;
  if (access instanceof PlainKubeAccess) return access.toClientNode(KubeConfig);
  throw new Error("this kubeconfig cannot be turned into client-node's KubeConfig");
}
