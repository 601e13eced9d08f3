import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Multigres } from "../../api/multigres.ts";
import type { StackStatus, TrackedResource } from "../../api/stack.ts";
import {
  multigresAsStack,
  multigresBinding,
  multigresFinalizer,
  projectMultigresStatus,
  validateMultigres,
} from "./multigres.ts";

const mg = (spec: Multigres["spec"] = {}, name = "mg", status?: Record<string, unknown>): Multigres => ({
  apiVersion: "multigres.com/v1alpha1",
  kind: "Multigres",
  metadata: { name, namespace: "db", uid: "u1", generation: 2 },
  spec,
  ...(status !== undefined && { status }),
});

const condition = (type: string, status: "True" | "False", time = "2026-01-01T00:00:00Z") => ({
  type,
  status,
  reason: "X",
  message: "",
  lastTransitionTime: time,
});

const engine = (
  phase: NonNullable<StackStatus["phase"]>,
  components: Array<[string, boolean, string]>,
  time = "2026-01-01T00:00:00Z",
): StackStatus => ({
  phase,
  observedGeneration: 2,
  conditions: [condition("Ready", phase === "Ready" ? "True" : "False", time)],
  components: components.map(([name, ready, message]) => ({
    name,
    phase: ready ? "Ready" : "Progressing",
    ready,
    message,
  })),
});

describe("multigresBinding", () => {
  it("binds Multigres with its finalizer and CRD", () => {
    assert.equal(multigresBinding.finalizer, multigresFinalizer);
    assert.equal(multigresBinding.type.kind, "Multigres");
    assert.equal(multigresBinding.crd().metadata.name, "multigreses.multigres.com");
  });

  it("is the multigres template with the spec as parameters and the engine status", () => {
    const status = { stackwarden: { phase: "Ready" }, phase: "Ready" };
    const stack = multigresAsStack(mg({ image: "x:1" }, "mg", status));
    assert.deepEqual(stack.spec, {
      template: "multigres",
      params: { image: "x:1" },
      paused: false,
      drift: { policy: "enforce", ignore: [] },
      deletionPolicy: { volumes: "Retain" },
    });
    assert.deepEqual(stack.status, { phase: "Ready" });
    assert.equal(multigresAsStack(mg()).status, undefined);
  });

  const ignores: Array<[string, Multigres["spec"], string[]]> = [
    ["no autoscaling", {}, []],
    [
      "gateway and pooler autoscaled",
      {
        multigateway: { autoscaling: { enabled: true, maxReplicas: 3 } },
        multipooler: { autoscaling: { enabled: true, maxReplicas: 3 } },
      } as Multigres["spec"],
      ["Deployment/mg-multigateway", "StatefulSet/mg-multipooler"],
    ],
    [
      "orch autoscaling disabled",
      { multiorch: { autoscaling: { enabled: false, maxReplicas: 3 } } } as Multigres["spec"],
      [],
    ],
  ];
  for (const [name, spec, expected] of ignores) {
    it(`leaves replicas to the HPA: ${name}`, () => {
      const rules = multigresAsStack(mg(spec)).spec.drift.ignore;
      assert.deepEqual(
        rules.map((r) => `${r.kind}/${r.name ?? ""}`),
        expected,
      );
      assert.ok(rules.every((r) => r.jsonPointer === "/spec/replicas"));
    });
  }

  const phases: Array<[NonNullable<StackStatus["phase"]>, string | undefined]> = [
    ["Pending", "Pending"],
    ["Installing", "Installing"],
    ["Ready", "Ready"],
    ["Upgrading", "Upgrading"],
    ["Failed", "Failed"],
    ["Deleting", undefined],
    ["Paused", undefined],
  ];
  for (const [phase, expected] of phases) {
    it(`projects the engine phase ${phase} as ${String(expected)}`, () => {
      const out = projectMultigresStatus(engine(phase, []), mg());
      assert.equal(out["phase"], expected);
      assert.equal(out["observedGeneration"], 2);
    });
  }

  it("projects each component's readiness and replicas, ready counts from the tracked workloads", () => {
    const status = engine("Installing", [
      ["etcd", false, "StatefulSet/mg-etcd: waiting for pods to be ready"],
      ["multigateway", true, "ready"],
      ["multiorch", false, "Deployment/mg-multiorch: waiting for rollout"],
      ["multipooler", false, "Service/x: y"],
    ]);
    const tracked = (
      kind: string,
      name: string,
      component: string,
      readyReplicas: number,
    ): TrackedResource => ({
      apiVersion: "apps/v1",
      kind,
      name,
      uid: `uid-${name}`,
      component,
      health: "Progressing",
      readyReplicas,
    });
    const out = projectMultigresStatus(
      {
        ...status,
        resources: [
          tracked("StatefulSet", "mg-etcd", "etcd", 1),
          tracked("Deployment", "mg-multiorch", "multiorch", 0),
          // A message that says "2 of 3" must not be read: only tracked counts count.
        ],
      },
      mg({ multigateway: { replicas: 4 } } as Multigres["spec"]),
    );
    const components = out["components"] as Record<
      string,
      { ready: boolean; replicas: number; readyReplicas: number }
    >;
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(components).map(([k, v]) => [k, [v.ready, v.replicas, v.readyReplicas]]),
      ),
      {
        etcd: [false, 3, 1],
        multigateway: [true, 4, 4],
        multiorch: [false, 1, 0],
        multipooler: [false, 2, 0],
      },
    );
  });

  it("keeps a component condition's transition time while its status holds", () => {
    const first = projectMultigresStatus(
      engine("Ready", [["etcd", true, "ready"]], "2026-01-01T00:00:00Z"),
      mg(),
    );
    const later = projectMultigresStatus(
      engine("Ready", [["etcd", true, "ready"]], "2026-01-02T00:00:00Z"),
      mg({}, "mg", first),
    );
    const time = (o: Record<string, unknown>): string | undefined =>
      (o["components"] as { etcd: { conditions: Array<{ lastTransitionTime: string }> } }).etcd.conditions[0]
        ?.lastTransitionTime;
    assert.equal(time(later), "2026-01-01T00:00:00Z");
    const flipped = projectMultigresStatus(
      engine("Installing", [["etcd", false, "x"]], "2026-01-03T00:00:00Z"),
      mg({}, "mg", later),
    );
    assert.equal(time(flipped), "2026-01-03T00:00:00Z");
  });

  const validation: Array<[string, Multigres, string[]]> = [
    ["a minimal resource", mg(), []],
    ["a 40-character name", mg({}, "a".repeat(40)), []],
    [
      "a 41-character name",
      mg({}, "a".repeat(41)),
      ["/metadata/name: must be at most 40 characters (it has 41), so that every child's name is valid"],
    ],
    [
      "even etcd replicas",
      mg({ etcd: { replicas: 4 } } as Multigres["spec"]),
      ["/spec/etcd/replicas: must be odd (1, 3, 5 or 7), got 4"],
    ],
    [
      "autoscaling min > max",
      mg({
        multiorch: { autoscaling: { enabled: true, minReplicas: 4, maxReplicas: 2 } },
      } as Multigres["spec"]),
      ["/spec/multiorch/autoscaling/minReplicas: must not be greater than maxReplicas"],
    ],
    [
      "autoscaling without a maximum",
      mg({ multigateway: { autoscaling: { enabled: true } } } as Multigres["spec"]),
      ["/spec/multigateway/autoscaling/maxReplicas: is required when autoscaling is enabled"],
    ],
  ];
  for (const [name, object, expected] of validation) {
    it(`validates ${name}`, () => assert.deepEqual(validateMultigres(object), expected));
  }
});
