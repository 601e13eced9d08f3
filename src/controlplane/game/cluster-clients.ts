import { KubeClient } from "../../kube/client.ts";
import { kubeAccessFromText, type KubeAccess } from "../../kube/kubeconfig.ts";
import type { Store } from "../store/store.ts";
import { ServiceError } from "../stack-service.ts";

/**
 * One API client per cluster for what the control plane does in a cluster on
 * a person's request (logs, console, connection info): the local cluster from
 * the kubeconfig given at start, the others from the kubeconfig the store
 * holds. Clients are made once and kept.
 */
export class ClusterClients {
  readonly #store: Store;
  readonly #local: string;
  readonly #localConfig: KubeAccess;
  readonly #clients = new Map<string, Promise<KubeClient>>();

  constructor(store: Store, localCluster: string, localConfig: KubeAccess) {
    this.#store = store;
    this.#local = localCluster;
    this.#localConfig = localConfig;
  }

  /** The client of `cluster`; a cluster without a stored kubeconfig is a `ServiceError` Unavailable. */
  clientFor(cluster: string): Promise<KubeClient> {
    let found = this.#clients.get(cluster);
    if (!found) {
      found = (async (): Promise<KubeClient> => {
        if (cluster === this.#local)
          return new KubeClient(this.#localConfig, { userAgent: "stackwarden-console" });
        const text = await this.#store.catalog.clusterKubeconfig(cluster);
        if (!text) throw new ServiceError("Unavailable", `cluster ${cluster} has no stored kubeconfig`);
        return new KubeClient(await kubeAccessFromText(text), { userAgent: "stackwarden-console" });
      })();
      found.catch(() => this.#clients.delete(cluster));
      this.#clients.set(cluster, found);
    }
    return found;
  }

  /** Closes every client's idle connections. */
  close(): void {
    for (const c of this.#clients.values())
      void c.then(
        (client) => client.close(),
        () => undefined,
      );
  }
}
