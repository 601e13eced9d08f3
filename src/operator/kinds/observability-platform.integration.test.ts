/**
 * ObservabilityPlatform on the sandbox: a minimal and a production-sized
 * platform become Ready with their children installed in the design's order,
 * a deleted child is put back, a version change goes Upgrading → Ready,
 * invalid platforms are refused (by the API server, or Failed with the field
 * named), and deletion cleans up through the finalizer.
 */
import { startKindOperator } from "../../testing/kind-operator.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  observabilityPlatformResourceType,
  type ObservabilityPlatform,
} from "../../api/observability-platform.ts";
import { isNotFound } from "../../kube/errors.ts";
import type { KubeObject } from "../../api/object.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { observabilityPlatformBinding } from "./observability-platform.ts";

const ns = await useTestNamespace("observability");
const manager = await startKindOperator(ns, [observabilityPlatformBinding]);
const { client } = manager;
const t = observabilityPlatformResourceType;
const platforms = (version: string, name?: string): string =>
  `/apis/${t.group}/${version}/namespaces/${ns.namespace}/${t.plural}${name ? `/${name}` : ""}`;
const path = (apiVersion: string, plural: string, name?: string): string =>
  `/${apiVersion === "v1" ? "api" : "apis"}/${apiVersion}/namespaces/${ns.namespace}/${plural}${name ? `/${name}` : ""}`;
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };

const create = (
  version: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<ObservabilityPlatform> =>
  client.request<ObservabilityPlatform>("POST", platforms(version), {
    body: { apiVersion: `${t.group}/${version}`, kind: t.kind, metadata: { name }, spec },
    query: { fieldValidation: "Strict" },
  });
const read = (name: string): Promise<ObservabilityPlatform> =>
  client.request<ObservabilityPlatform>("GET", platforms("v1alpha1", name));
const inPhase = (name: string, phase: string, seen?: Set<string>): Promise<ObservabilityPlatform> =>
  eventually(
    `${name} to be ${phase}`,
    async () => {
      const p = await read(name);
      if (p.status?.phase) seen?.add(p.status.phase);
      return p.status?.phase === phase && p.status.observedGeneration === p.metadata.generation
        ? p
        : undefined;
    },
    // Production-sized platforms start 20 pods: 3 min, like the suite's other heavy waits (a pod still
    // Pending after 60 s failed it once under the full suite on 2 cores).
    { timeoutMs: 180_000, intervalMs: 100, ...explain },
  );
const get = <T = KubeObject>(apiVersion: string, plural: string, name: string): Promise<T> =>
  client.request<T>("GET", path(apiVersion, plural, name));
const created = async (apiVersion: string, plural: string, name: string): Promise<number> =>
  Date.parse((await get(apiVersion, plural, name)).metadata.creationTimestamp ?? "");

describe("an ObservabilityPlatform", () => {
  it("minimal (v1alpha1, Prometheus only) becomes Ready with its StatefulSet, Service and ConfigMap", async () => {
    await create("v1alpha1", "mini", { components: { prometheus: { version: "v2.47.0" } } });
    const ready = await inPhase("mini", "Ready");
    const sts = await get<{
      spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
    }>("apps/v1", "statefulsets", "mini-prometheus");
    assert.equal(sts.spec.replicas, 1);
    assert.equal(sts.spec.template.spec.containers[0]?.image, "quay.io/prometheus/prometheus:v2.47.0");
    await get("v1", "services", "mini-prometheus");
    await get("v1", "configmaps", "mini-prometheus-config");
    const status = ready.status as Record<string, unknown>;
    assert.deepEqual(Object.keys(status["componentStatus"] as object), ["prometheus"]);
    assert.equal(
      (status["endpoints"] as Record<string, string>)["prometheus"],
      `mini-prometheus.${ns.namespace}.svc.cluster.local:9090`,
    );
    assert.equal(ready.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
    assert.ok(ready.metadata.finalizers?.includes("observability.io/finalizer"));
  });

  it("production-sized (v1beta1 defaults, HA) installs Prometheus → Loki → Tempo → Grafana → Alertmanager", async () => {
    const password = "s3cret-Grafana-pw";
    await create("v1beta1", "prod", {
      components: {
        prometheus: {
          replicas: 2,
          retention: "15d",
          storage: { size: "20Gi" },
          resources: { requests: { cpu: "0.5", memory: "1024Mi" } },
        },
        loki: { enabled: true, retention: "14d" },
        tempo: { enabled: true, version: "2.3.1" },
        grafana: { adminPassword: password },
        opentelemetryCollector: { replicas: 1 },
      },
      global: { logLevel: "warn", externalLabels: { cluster: "sandbox" } },
      highAvailability: { enabled: true, minReplicas: 3, antiAffinity: { type: "soft" } },
      alerting: { alertmanager: { enabled: true } },
    });
    await inPhase("prod", "Ready");
    const order = [
      await created("apps/v1", "statefulsets", "prod-prometheus"),
      await created("apps/v1", "statefulsets", "prod-loki"),
      await created("apps/v1", "statefulsets", "prod-tempo"),
      await created("apps/v1", "deployments", "prod-grafana"),
      await created("apps/v1", "statefulsets", "prod-alertmanager"),
    ];
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      "children were created in the design's order",
    );
    const prom = await get<{
      spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
    }>("apps/v1", "statefulsets", "prod-prometheus");
    assert.equal(prom.spec.template.spec.containers[0]?.image, "quay.io/prometheus/prometheus:v2.48.0");
    const secret = await get<{ data: Record<string, string> }>("v1", "secrets", "prod-grafana-admin");
    assert.equal(Buffer.from(secret.data["admin-password"] ?? "", "base64").toString(), password);
    const maps = await client.request<{ items: Array<{ data?: Record<string, string> }> }>(
      "GET",
      path("v1", "configmaps"),
    );
    assert.ok(!JSON.stringify(maps.items).includes(password), "the password is in no ConfigMap");
    const platform = await read("prod");
    assert.ok(!JSON.stringify(platform.status ?? {}).includes(password), "nor in the status snapshot");
    const grafana = await get<{ data: Record<string, string> }>("v1", "configmaps", "prod-grafana-config");
    assert.match(
      grafana.data["datasources.yaml"] ?? "",
      new RegExp(`http://prod-loki\\.${ns.namespace}\\.svc\\.cluster\\.local:3100`),
    );
    const p = await read("prod");
    assert.deepEqual(Object.keys((p.status as Record<string, unknown>)["componentStatus"] as object).sort(), [
      "alertmanager",
      "collector",
      "grafana",
      "loki",
      "prometheus",
      "tempo",
    ]);
  });

  it("puts back a child deleted out of band", async () => {
    const before = await get("v1", "services", "prod-grafana");
    await client.request("DELETE", path("v1", "services", "prod-grafana"));
    await eventually(
      "the Grafana Service to be recreated",
      async () => {
        const s = await get("v1", "services", "prod-grafana").catch(() => undefined);
        return s && s.metadata.uid !== before.metadata.uid ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, ...explain },
    );
  });

  it("goes Upgrading → Ready on a version change", async () => {
    await client.request("PATCH", platforms("v1alpha1", "mini"), {
      body: { spec: { components: { prometheus: { version: "v2.48.1" } } } },
      contentType: "application/merge-patch+json",
    });
    const seen = new Set<string>();
    await inPhase("mini", "Ready", seen);
    assert.ok(seen.has("Upgrading"), `saw ${[...seen].join(", ")}`);
    const sts = await get<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(
      "apps/v1",
      "statefulsets",
      "mini-prometheus",
    );
    assert.equal(sts.spec.template.spec.containers[0]?.image, "quay.io/prometheus/prometheus:v2.48.1");
  });

  it("is refused by the API server with the field path for a bad version or an unknown field", async () => {
    await assert.rejects(
      create("v1alpha1", "bad", { components: { prometheus: { version: "latest" } } }),
      /spec\.components\.prometheus\.version/,
    );
    await assert.rejects(
      create("v1alpha1", "bad", { components: { prometheus: { version: "v2.48.0", colour: "blue" } } }),
      /colour/,
    );
  });

  it("is refused at admission, naming spec.components, when no component is enabled (either version)", async () => {
    for (const version of ["v1alpha1", "v1beta1"]) {
      await assert.rejects(
        create(version, "empty", { components: { loki: { enabled: false, version: "2.9.0" } } }),
        /spec\.components: Invalid value.*a platform that enables no component is invalid/,
      );
      await assert.rejects(create(version, "empty", { components: {} }), /spec\.components/);
    }
  });

  it("reads back whole in either version: v1beta1's own fields survive a v1alpha1 read and write", async () => {
    const spec = {
      components: {
        prometheus: { externalLabels: { team: "sre" }, additionalScrapeConfigs: "- job_name: extra\n" },
        loki: { version: "v2.9.0", replicas: 2 },
        grafana: { plugins: ["grafana-clock-panel"] },
      },
      global: { imagePullSecrets: [{ name: "regcred" }] },
      security: { networkPolicy: true },
    };
    await create("v1beta1", "both", spec);
    const beta = await client.request<ObservabilityPlatform>("GET", platforms("v1beta1", "both"));
    const alpha = await read("both");
    assert.equal(alpha.apiVersion, "observability.io/v1alpha1");
    assert.deepEqual(alpha.spec, beta.spec, "the v1alpha1 view prunes nothing");
    await client.request("PATCH", platforms("v1alpha1", "both"), {
      body: { spec: { paused: false, components: { grafana: { plugins: ["grafana-clock-panel", "x"] } } } },
      contentType: "application/merge-patch+json",
    });
    const after = await client.request<ObservabilityPlatform>("GET", platforms("v1beta1", "both"));
    assert.equal(after.spec.components.loki?.replicas, 2, "a write through v1alpha1 keeps v1beta1's fields");
    assert.equal(after.spec.security?.networkPolicy, true);
    await inPhase("both", "Ready");
    await get("networking.k8s.io/v1", "networkpolicies", "both-loki");
    const loki = await get<{ spec: { replicas: number } }>("apps/v1", "statefulsets", "both-loki");
    assert.equal(loki.spec.replicas, 2);
    await client.request("DELETE", platforms("v1beta1", "both"));
  });

  it("serves the metrics its users scrape, under observability_platform_*", async () => {
    const text = await manager.registry.metrics();
    assert.match(text, /observability_platform_state_transitions_total\{[^}]*to="Ready"[^}]*\} [1-9]/);
    assert.match(text, /observability_platform_reconciliation_duration_seconds_count\{/);
    assert.match(text, /observability_platform_component_status\{[^}]*component="prometheus"[^}]*\} 1/);
  });

  it("deletes its children through the finalizer", async () => {
    await client.request("DELETE", platforms("v1alpha1", "prod"));
    await eventually(
      "prod and its children to be gone",
      async () => {
        const gone = await read("prod").then(
          () => false,
          (e: unknown) => isNotFound(e),
        );
        const left = await client.request<{ items: unknown[] }>("GET", path("apps/v1", "deployments"));
        return gone && left.items.length === 0 ? true : undefined;
      },
      { timeoutMs: 180_000, ...explain },
    );
  });
});
