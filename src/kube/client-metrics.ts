import { Counter, type Registry } from "prom-client";
import type { KubeClient } from "./client.ts";

/**
 * `rest_client_requests_total{verb}` (client-go's name) on `registry`, read from
 * `client.requestCounts` at scrape time: what the process has asked of the API server, by verb
 * (GET, LIST, WATCH, POST, PATCH, PUT, DELETE), for benchmarks and dashboards outside the process.
 */
export function clientRequestMetric(registry: Registry, client: KubeClient): void {
  new Counter({
    name: "rest_client_requests_total",
    help: "Requests sent to the Kubernetes API server, by verb",
    labelNames: ["verb"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [verb, n] of client.requestCounts) this.inc({ verb }, n);
    },
  });
}
