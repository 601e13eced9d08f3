import { describe, it } from "node:test";
import type {
  V1Container,
  V1Deployment,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { validate } from "../../api/validate.ts";
import type { MultigresSpec } from "../../api/multigres.ts";
import type { KubeObject } from "../../api/object.ts";
import { render, type RenderRoot } from "../../resources/render.ts";
import { multigres } from "./template.ts";
import { multigresEtcdImage } from "./etcd.ts";

const root: RenderRoot = {
  apiVersion: "multigres.com/v1alpha1",
  kind: "Multigres",
  name: "mg",
  namespace: "db",
  uid: "0000-1111",
  generation: 1,
};

type Workload = V1StatefulSet | V1Deployment;

function spec(value: unknown = {}): MultigresSpec {
  const result = validate(multigres.params, value);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value as MultigresSpec;
}
const objects = (value: unknown = {}): KubeObject[] => render(multigres, root, spec(value)).objects;
function find(value: unknown, kind: "Service", name: string): V1Service;
function find(value: unknown, kind: "HorizontalPodAutoscaler", name: string): V2HorizontalPodAutoscaler;
function find(value: unknown, kind: "StatefulSet", name: string): V1StatefulSet;
function find(value: unknown, kind: string, name: string): Workload;
function find(value: unknown, kind: string, name: string): unknown {
  const o = objects(value).find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `no ${kind}/${name}`);
  return o;
}
const ports = (c: V1Container): Array<[string, number]> =>
  (c.ports ?? []).map((p) => [p.name ?? "", p.containerPort]);
const servicePorts = (s: V1Service): Array<[string, number]> =>
  (s.spec?.ports ?? []).map((p) => [p.name ?? "", p.port]);
const containers = (w: Workload): V1Container[] => w.spec?.template.spec?.containers ?? [];

describe("multigres spec", () => {
  it("fills every block with its defaults", () => {
    assert.deepEqual(spec(), {
      image: "multigres/multigres:latest",
      etcd: { replicas: 3, storage: { size: "10Gi" } },
      multigateway: {
        replicas: 2,
        serviceType: "ClusterIP",
        autoscaling: { enabled: false, targetCPUUtilizationPercentage: 80 },
      },
      multiorch: { replicas: 1, autoscaling: { enabled: false, targetCPUUtilizationPercentage: 80 } },
      multipooler: {
        replicas: 2,
        storage: { size: "10Gi" },
        pooler: {},
        pgctld: {},
        postgres: { image: "postgres:17" },
        autoscaling: { enabled: false, targetCPUUtilizationPercentage: 80 },
      },
    });
  });

  const rejected: Array<[string, unknown, string]> = [
    ["etcd replicas above 7", { etcd: { replicas: 9 } }, "/etcd/replicas"],
    ["etcd replicas 0", { etcd: { replicas: 0 } }, "/etcd/replicas"],
    ["an unknown field", { etcd: { size: 3 } }, "/etcd/size"],
    ["a bad service type", { multigateway: { serviceType: "ExternalName" } }, "/multigateway/serviceType"],
    ["a bad storage size", { multipooler: { storage: { size: "10GB" } } }, "/multipooler/storage/size"],
    [
      "a CPU target above 100",
      { multiorch: { autoscaling: { targetCPUUtilizationPercentage: 101 } } },
      "/multiorch/autoscaling/targetCPUUtilizationPercentage",
    ],
  ];
  for (const [name, value, path] of rejected) {
    it(`rejects ${name}`, () => {
      const result = validate(multigres.params, value);
      assert.ok(!result.ok && result.problems.some((p) => p.path === path), JSON.stringify(result));
    });
  }
});

describe("multigres rendering", () => {
  it("has four independent components", () => {
    assert.deepEqual(
      multigres.components.map((c) => [c.name, c.dependsOn]),
      [
        ["etcd", []],
        ["multigateway", []],
        ["multiorch", []],
        ["multipooler", []],
      ],
    );
  });

  const children: Array<[string, unknown, string[]]> = [
    [
      "minimal",
      {},
      [
        "StatefulSet/mg-etcd",
        "Service/mg-etcd-headless",
        "Service/mg-etcd",
        "Deployment/mg-multigateway",
        "Service/mg-multigateway",
        "Deployment/mg-multiorch",
        "StatefulSet/mg-multipooler",
        "Service/mg-multipooler-headless",
      ],
    ],
    [
      "autoscaled",
      {
        multigateway: { autoscaling: { enabled: true, maxReplicas: 5 } },
        multiorch: { autoscaling: { enabled: true, maxReplicas: 3 } },
        multipooler: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 } },
      },
      [
        "StatefulSet/mg-etcd",
        "Service/mg-etcd-headless",
        "Service/mg-etcd",
        "Deployment/mg-multigateway",
        "Service/mg-multigateway",
        "HorizontalPodAutoscaler/mg-multigateway",
        "Deployment/mg-multiorch",
        "HorizontalPodAutoscaler/mg-multiorch",
        "StatefulSet/mg-multipooler",
        "Service/mg-multipooler-headless",
        "HorizontalPodAutoscaler/mg-multipooler",
      ],
    ],
  ];
  for (const [name, value, expected] of children) {
    it(`renders the children of a ${name} Multigres`, () => {
      assert.deepEqual(
        objects(value).map((o) => `${o.kind}/${o.metadata.name}`),
        expected,
      );
    });
  }

  const workloadReplicas: Array<[string, string, unknown, number | undefined]> = [
    ["StatefulSet", "mg-etcd", {}, 3],
    ["StatefulSet", "mg-etcd", { etcd: { replicas: 5 } }, 5],
    ["Deployment", "mg-multigateway", {}, 2],
    [
      "Deployment",
      "mg-multigateway",
      { multigateway: { autoscaling: { enabled: true, maxReplicas: 4 } } },
      undefined,
    ],
    ["Deployment", "mg-multiorch", { multiorch: { replicas: 3 } }, 3],
    [
      "Deployment",
      "mg-multiorch",
      { multiorch: { autoscaling: { enabled: true, maxReplicas: 4 } } },
      undefined,
    ],
    ["StatefulSet", "mg-multipooler", {}, 2],
    [
      "StatefulSet",
      "mg-multipooler",
      { multipooler: { autoscaling: { enabled: true, maxReplicas: 4 } } },
      undefined,
    ],
  ];
  for (const [kind, name, value, replicas] of workloadReplicas) {
    it(`sets ${kind}/${name} replicas to ${String(replicas)} for ${JSON.stringify(value)}`, () => {
      const w = find(value, kind, name);
      assert.equal(w.spec?.replicas, replicas);
      assert.equal("replicas" in (w.spec ?? {}), replicas !== undefined);
    });
  }

  const containerPorts: Array<[string, string, Array<[string, Array<[string, number]>]>]> = [
    [
      "StatefulSet",
      "mg-etcd",
      [
        [
          "etcd",
          [
            ["client", 2379],
            ["peer", 2380],
          ],
        ],
      ],
    ],
    [
      "Deployment",
      "mg-multigateway",
      [
        [
          "multigateway",
          [
            ["http", 15100],
            ["grpc", 15170],
            ["postgres", 15432],
          ],
        ],
      ],
    ],
    [
      "Deployment",
      "mg-multiorch",
      [
        [
          "multiorch",
          [
            ["http", 15300],
            ["grpc", 15370],
          ],
        ],
      ],
    ],
    [
      "StatefulSet",
      "mg-multipooler",
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
    ],
  ];
  for (const [kind, name, expected] of containerPorts) {
    it(`runs ${kind}/${name} with its containers and ports, non-root`, () => {
      const w = find({}, kind, name);
      assert.deepEqual(
        containers(w).map((c) => [c.name, ports(c)]),
        expected,
      );
      assert.equal(w.spec?.template.spec?.securityContext?.runAsNonRoot, true);
      for (const c of containers(w)) {
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext?.capabilities, { drop: ["ALL"] });
      }
    });
  }

  const services: Array<[string, Array<[string, number]>, string | undefined]> = [
    [
      "mg-etcd-headless",
      [
        ["client", 2379],
        ["peer", 2380],
      ],
      "None",
    ],
    ["mg-etcd", [["client", 2379]], undefined],
    [
      "mg-multigateway",
      [
        ["http", 15100],
        ["grpc", 15170],
        ["postgres", 15432],
      ],
      undefined,
    ],
    [
      "mg-multipooler-headless",
      [
        ["http", 15200],
        ["grpc", 15270],
        ["postgres", 5432],
      ],
      "None",
    ],
  ];
  for (const [name, expected, clusterIP] of services) {
    it(`exposes Service/${name} on ${JSON.stringify(expected)}, selecting its pods`, () => {
      const s = find({}, "Service", name);
      assert.deepEqual(servicePorts(s), expected);
      assert.equal(s.spec?.clusterIP, clusterIP);
      assert.ok(s.spec?.selector?.["stackwarden.dev/component"]);
    });
  }

  it("builds an HPA for the workload with the owner's bounds", () => {
    const hpa = find(
      {
        multipooler: {
          autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 60 },
        },
      },
      "HorizontalPodAutoscaler",
      "mg-multipooler",
    );
    assert.deepEqual(hpa.spec?.scaleTargetRef, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      name: "mg-multipooler",
    });
    assert.equal(hpa.spec?.minReplicas, 2);
    assert.equal(hpa.spec?.maxReplicas, 6);
    assert.equal(hpa.spec?.metrics?.[0]?.resource?.target.averageUtilization, 60);
  });

  const images: Array<[string, unknown, string, string, string]> = [
    ["defaults", {}, "mg-etcd", "etcd", multigresEtcdImage],
    ["etcd image", { etcd: { image: "etcd:v3.6.0" } }, "mg-etcd", "etcd", "etcd:v3.6.0"],
    ["image", { image: "multigres/multigres:v0.2" }, "mg-multipooler", "pgctld", "multigres/multigres:v0.2"],
    [
      "postgres image",
      { multipooler: { postgres: { image: "postgres:17.2" } } },
      "mg-multipooler",
      "postgres",
      "postgres:17.2",
    ],
  ];
  for (const [name, value, workload, containerName, image] of images) {
    it(`uses the ${name} for ${workload}/${containerName}`, () => {
      const w = find(value, "StatefulSet", workload);
      assert.equal(containers(w).find((c) => c.name === containerName)?.image, image);
    });
  }

  it("lists every etcd member in the initial cluster and sizes the volumes canonically", () => {
    const sts = find(
      { etcd: { replicas: 1, storage: { size: "2048Mi", storageClassName: "fast" } } },
      "StatefulSet",
      "mg-etcd",
    );
    const args = containers(sts)[0]?.args ?? [];
    assert.ok(args.includes("--initial-cluster=mg-etcd-0=http://mg-etcd-0.mg-etcd-headless.db.svc:2380"));
    assert.deepEqual(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources, {
      requests: { storage: "2Gi" },
    });
    assert.equal(sts.spec?.volumeClaimTemplates?.[0]?.spec?.storageClassName, "fast");
  });

  it("takes the postgres password from the generated Secret by reference", () => {
    const sts = find({}, "StatefulSet", "mg-multipooler");
    const postgres = containers(sts).find((c) => c.name === "postgres");
    assert.deepEqual(postgres?.env?.[1], {
      name: "POSTGRES_PASSWORD",
      valueFrom: { secretKeyRef: { name: "mg-postgres", key: "password" } },
    });
    assert.ok(!objects().some((o) => o.kind === "Secret"));
  });

  it("is deterministic", () => {
    assert.deepEqual(objects({ etcd: { replicas: 5 } }), objects({ etcd: { replicas: 5 } }));
  });
});

describe("multigres parameters", () => {
  it("validate a production-sized spec with resource quantities (int-or-string) without throwing", () => {
    const result = validate(multigres.params, {
      etcd: {
        replicas: 5,
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
      },
      multigateway: { replicas: 3, resources: { requests: { cpu: 1, memory: "1Gi" } } },
      multipooler: { postgres: { resources: { requests: { cpu: "2", memory: "4Gi" } } } },
    });
    assert.equal(result.ok, true);
  });
});
