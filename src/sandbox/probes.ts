import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import type { V1Node } from "@kubernetes/client-node";
import { KubeClient } from "../kube/client.ts";
import { loadKubeAccess } from "../kube/kubeconfig.ts";

function fetchStatus(
  getter: typeof httpGet | typeof httpsGet,
  url: string,
  options: { ca?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = getter(url, { ...options, timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
  });
}

/** True when etcd's /health says it is healthy. */
export async function etcdHealthy(port: number): Promise<boolean> {
  const { status, body } = await fetchStatus(httpGet, `http://127.0.0.1:${port}/health`);
  return status === 200 && (JSON.parse(body) as { health?: string }).health === "true";
}

/** True when the API server's /readyz answers 200 over TLS verified against `ca`. */
export async function apiserverReady(port: number, ca: string): Promise<boolean> {
  const { status } = await fetchStatus(httpsGet, `https://127.0.0.1:${port}/readyz`, { ca });
  return status === 200;
}

/** Runs `fn` with a client of `kubeconfig`, read without client-node (`up` runs these probes). */
async function withClient<T>(kubeconfig: string, fn: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = new KubeClient(await loadKubeAccess(kubeconfig), { userAgent: "stackwarden-sandbox" });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

const listNodes = async (client: KubeClient): Promise<V1Node[]> =>
  (await client.request<{ items: V1Node[] }>("LIST", "/api/v1/nodes")).items;
const isReady = (n: V1Node): boolean =>
  n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/**
 * True when workloads can run: at least one node is Ready and the `default`
 * ServiceAccount exists (without it, the ServiceAccount admission plugin
 * rejects pods in the default namespace).
 */
export function clusterUsable(kubeconfig: string): Promise<boolean> {
  return withClient(kubeconfig, async (client) => {
    if (!(await listNodes(client)).some(isReady)) return false;
    await client.request("GET", "/api/v1/namespaces/default/serviceaccounts/default");
    return true;
  });
}

/** Counts the nodes whose Ready condition is True. */
export function readyNodeCount(kubeconfig: string): Promise<{ ready: number; total: number }> {
  return withClient(kubeconfig, async (client) => {
    const nodes = await listNodes(client);
    return { ready: nodes.filter(isReady).length, total: nodes.length };
  });
}
