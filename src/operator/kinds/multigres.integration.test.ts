/**
 * Multigres on the sandbox, end to end, through the Stack engine: a minimal
 * and a production-sized Multigres become Ready with their children; one
 * component that never becomes ready does not hold back the other three; a
 * deleted child is put back; an image change goes Upgrading → Ready; the
 * API server refuses even etcd replicas and autoscaling min > max with the
 * field path; deletion goes through the finalizer.
 */
import { startKindOperator } from "../../testing/kind-operator.ts";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { multigresResourceType } from "../../api/multigres.ts";
import { KubeClient } from "../../kube/client.ts";
import { KubeApiError, isNotFound } from "../../kube/errors.ts";
import { resourcePath } from "../../kube/resource-type.ts";
import type { KubeObject } from "../../api/object.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { multigresBinding, multigresFinalizer } from "./multigres.ts";

const ns = await useTestNamespace("multigres");
const client = new KubeClient(ns.kc);
const mgPath = (name?: string): string => resourcePath(multigresResourceType, ns.namespace, name);
const apps = (plural: string, name: string): string =>
  `/apis/apps/v1/namespaces/${ns.namespace}/${plural}/${name}`;
const core = (plural: string, name?: string): string =>
  `/api/v1/namespaces/${ns.namespace}/${plural}${name ? `/${name}` : ""}`;
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };

interface ComponentStatus {
  ready: boolean;
  replicas: number;
  readyReplicas: number;
}
interface Mg extends KubeObject {
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    observedGeneration?: number;
    components?: Record<string, ComponentStatus>;
    conditions?: Array<{ type: string; status: string }>;
  };
}
interface Port {
  name: string;
  port?: number;
  containerPort?: number;
}
interface Workload {
  spec: {
    replicas?: number;
    template: { spec: { containers: Array<{ name: string; image: string; ports: Port[] }> } };
  };
  metadata: { managedFields?: Array<{ manager: string; fieldsV1?: { "f:spec"?: Record<string, unknown> } }> };
}

const create = (name: string, spec: Record<string, unknown>): Promise<Mg> =>
  client.request<Mg>("POST", mgPath(), {
    body: { apiVersion: "multigres.com/v1alpha1", kind: "Multigres", metadata: { name }, spec },
    query: { fieldValidation: "Strict" },
  });
const read = (name: string): Promise<Mg> => client.request<Mg>("GET", mgPath(name));
const inPhase = (name: string, phase: string, timeoutMs = 120_000): Promise<Mg> =>
  eventually(
    `${name} to be ${phase}`,
    async () => {
      const m = await read(name);
      return m.status?.phase === phase && m.status.observedGeneration === m.metadata.generation
        ? m
        : undefined;
    },
    { timeoutMs, ...explain },
  );
const ports = (items: Port[]): Array<[string, number]> =>
  items.map((p) => [p.name, p.port ?? p.containerPort ?? 0]);

await startKindOperator(ns, [multigresBinding]);
after(() => client.close());

const production = {
  image: "multigres/multigres:v0.1.0",
  imagePullPolicy: "IfNotPresent",
  etcd: {
    replicas: 5,
    storage: { size: "20Gi", storageClassName: "standard" },
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
  },
  multigateway: {
    replicas: 3,
    serviceType: "LoadBalancer",
    resources: { requests: { cpu: "1", memory: "1Gi" } },
  },
  multiorch: { replicas: 2, resources: { requests: { cpu: "250m", memory: "256Mi" } } },
  multipooler: {
    replicas: 3,
    storage: { size: "100Gi" },
    pooler: { resources: { requests: { cpu: "500m", memory: "512Mi" } } },
    pgctld: { resources: { requests: { cpu: "100m", memory: "128Mi" } } },
    postgres: { image: "postgres:17.2", resources: { requests: { cpu: "2", memory: "4Gi" } } },
  },
};

describe("Multigres", () => {
  it("refuses even etcd replicas and autoscaling min > max at the API server, naming the field", async () => {
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ etcd: { replicas: 4 } }, "spec.etcd.replicas"],
      [
        { multigateway: { autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } } },
        "spec.multigateway.autoscaling.minReplicas",
      ],
      [{ multiorch: { autoscaling: { enabled: true } } }, "spec.multiorch.autoscaling.maxReplicas"],
      [{ etcd: { replicas: 9 } }, "spec.etcd.replicas"],
      [{ etcd: { members: 3 } }, "spec.etcd.members"],
    ];
    for (const [i, [spec, field]] of refused.entries()) {
      const error = await create(`bad-${i}`, spec).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof KubeApiError, `${JSON.stringify(spec)} was accepted`);
      // 422 Invalid for a schema or CEL rule; 400 BadRequest for an unknown field under fieldValidation=Strict.
      assert.ok(error.status === 422 || error.status === 400, error.message);
      assert.ok(error.fields.includes(field) || error.message.includes(field), error.message);
    }
  });

  it("brings a minimal, a production-sized and a half-broken Multigres up, each component on its own", async () => {
    await Promise.all([
      create("mini", {}),
      create("prod", production),
      create("split", { etcd: { image: "quay.io/coreos/etcd:v3.5.21-never-ready" } }),
      create("scaled", { multigateway: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 } } }),
    ]);
    const mini = await inPhase("mini", "Ready", 180_000);
    assert.ok(mini.metadata.finalizers?.includes(multigresFinalizer));
    assert.deepEqual(
      Object.fromEntries(Object.entries(mini.status?.components ?? {}).map(([k, v]) => [k, v.ready])),
      { etcd: true, multigateway: true, multiorch: true, multipooler: true },
    );
    const prod = await inPhase("prod", "Ready", 180_000);
    assert.deepEqual(prod.status?.components?.["etcd"], {
      ...prod.status?.components?.["etcd"],
      ready: true,
      replicas: 5,
      readyReplicas: 5,
    });

    // Names and ports of the children.
    const gateway = await client.request<Workload>("GET", apps("deployments", "prod-multigateway"));
    assert.equal(gateway.spec.replicas, 3);
    assert.deepEqual(ports(gateway.spec.template.spec.containers[0]!.ports), [
      ["http", 15100],
      ["grpc", 15170],
      ["postgres", 15432],
    ]);
    const gatewayService = await client.request<{ spec: { type: string; ports: Port[] } }>(
      "GET",
      core("services", "prod-multigateway"),
    );
    assert.equal(gatewayService.spec.type, "LoadBalancer");
    assert.deepEqual(ports(gatewayService.spec.ports), [
      ["http", 15100],
      ["grpc", 15170],
      ["postgres", 15432],
    ]);
    const pooler = await client.request<Workload>("GET", apps("statefulsets", "prod-multipooler"));
    assert.deepEqual(
      pooler.spec.template.spec.containers.map((c) => [c.name, ports(c.ports)]),
      [
        [
          "multipooler",
          [
            ["http", 15200],
            ["grpc", 15270],
          ],
        ],
        ["pgctld", [["pgctld-grpc", 15400]]],
        ["postgres", [["postgres", 5432]]],
      ],
    );
    const etcd = await client.request<Workload>("GET", apps("statefulsets", "prod-etcd"));
    assert.equal(etcd.spec.replicas, 5);
    assert.deepEqual(ports(etcd.spec.template.spec.containers[0]!.ports), [
      ["client", 2379],
      ["peer", 2380],
    ]);
    for (const name of ["prod-etcd", "prod-etcd-headless", "prod-multipooler-headless"]) {
      await client.request("GET", core("services", name));
    }
    await client.request("GET", apps("deployments", "prod-multiorch"));

    // etcd never becomes ready, and the three others still do.
    const split = await eventually(
      "split's multigateway, multiorch and multipooler to be ready without etcd",
      async () => {
        const m = await read("split");
        const c = m.status?.components ?? {};
        return c["multigateway"]?.ready && c["multiorch"]?.ready && c["multipooler"]?.ready ? m : undefined;
      },
      { timeoutMs: 60_000, ...explain },
    );
    assert.equal(split.status?.components?.["etcd"]?.ready, false);
    assert.equal(split.status?.phase, "Installing");

    // Under an HPA, the Deployment's replicas are not ours.
    await eventually("the HPA of scaled's multigateway", () =>
      client
        .request(
          "GET",
          `/apis/autoscaling/v2/namespaces/${ns.namespace}/horizontalpodautoscalers/scaled-multigateway`,
        )
        .then(() => true),
    );
    const scaled = await client.request<Workload>("GET", apps("deployments", "scaled-multigateway"));
    const ours = scaled.metadata.managedFields?.filter((f) => f.manager.startsWith("stackwarden")) ?? [];
    assert.ok(ours.length > 0);
    assert.ok(
      ours.every((f) => !("f:replicas" in (f.fieldsV1?.["f:spec"] ?? {}))),
      "replicas left to the HPA",
    );
  });

  it("puts back a child deleted out of band", async () => {
    const before = await client.request<KubeObject>("GET", core("services", "mini-multigateway"));
    await client.request("DELETE", core("services", "mini-multigateway"));
    const after = await eventually(
      "mini-multigateway to be recreated",
      async () => {
        const s = await client
          .request<KubeObject>("GET", core("services", "mini-multigateway"))
          .catch(() => undefined);
        return s && s.metadata.uid !== before.metadata.uid ? s : undefined;
      },
      { timeoutMs: 30_000, ...explain },
    );
    assert.ok(after.metadata.uid);
  });

  it("goes Upgrading → Ready on an image change", async () => {
    await client.request("PATCH", mgPath("mini"), {
      body: { spec: { image: "multigres/multigres:v0.2.0" } },
      contentType: "application/merge-patch+json",
    });
    // Upgrading can be over between two polls (KWOK readies pods in 1-2 s): the phase, or the
    // Event the operator records for the transition, proves it was entered.
    await eventually(
      "mini to be Upgrading",
      async () => {
        if ((await read("mini")).status?.phase === "Upgrading") return true;
        const events = await client.request<{
          items: Array<{ regarding?: { name?: string }; note?: string }>;
        }>("LIST", `/apis/events.k8s.io/v1/namespaces/${ns.namespace}/events`);
        return events.items.some(
          (e) => e.regarding?.name === "mini" && (e.note ?? "").includes("→ Upgrading"),
        )
          ? true
          : undefined;
      },
      { intervalMs: 50, ...explain },
    );
    await inPhase("mini", "Ready", 180_000);
    const orch = await client.request<Workload>("GET", apps("deployments", "mini-multiorch"));
    assert.equal(orch.spec.template.spec.containers[0]?.image, "multigres/multigres:v0.2.0");
  });

  it("deletes its children through the finalizer, keeping the data volumes", async () => {
    await client.request("DELETE", mgPath("mini"));
    await eventually(
      "mini and its workloads to be gone",
      async () => {
        const gone = await Promise.all(
          [mgPath("mini"), apps("statefulsets", "mini-etcd"), apps("deployments", "mini-multigateway")].map(
            (p) =>
              client.request("GET", p).then(
                () => false,
                (e: unknown) => isNotFound(e),
              ),
          ),
        );
        return gone.every(Boolean) ? true : undefined;
      },
      { timeoutMs: 60_000, ...explain },
    );
    const claims = await client.request<{ items: KubeObject[] }>("GET", core("persistentvolumeclaims"));
    assert.ok(claims.items.some((c) => c.metadata.name.startsWith("data-mini-multipooler-")));
  });
});
