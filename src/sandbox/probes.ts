import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

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

/**
 * True when workloads can run: at least one node is Ready and the `default`
 * ServiceAccount exists (without it, the ServiceAccount admission plugin
 * rejects pods in the default namespace).
 */
export async function clusterUsable(kubeconfig: string): Promise<boolean> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = await core.listNode();
  const ready = nodes.items.some((n) =>
    n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  if (!ready) return false;
  await core.readNamespacedServiceAccount({ name: "default", namespace: "default" });
  return true;
}

/** Counts the nodes whose Ready condition is True. */
export async function readyNodeCount(kubeconfig: string): Promise<{ ready: number; total: number }> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const nodes = await kc.makeApiClient(CoreV1Api).listNode();
  const ready = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  ).length;
  return { ready, total: nodes.items.length };
}
