/**
 * The chart, rendered by the real `helm` (no cluster needed): lint, the RBAC and
 * the Deployments of `stackwarden manifests`, and what each value changes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { load } from "js-yaml";
import type { KubeObject } from "../api/object.ts";
import { agentManifests } from "../controlplane/agent/agent-manifests.ts";
import { controlPlaneManifests } from "../controlplane/manifests.ts";
import { operatorCommand, operatorManifests } from "../operator/manifests.ts";
import { agentRbac, alertRulesFile, chartDir, manifestRbac } from "./chart-files.ts";
import { helm, renderChart } from "./helm.ts";

type Container = Record<string, unknown> & { name: string; args?: string[]; env?: Array<{ name: string }> };
interface PodSpec {
  securityContext?: unknown;
  volumes?: unknown;
  serviceAccountName?: string;
  containers: Container[];
}
const podSpec = (o: KubeObject | undefined): PodSpec =>
  (o as unknown as { spec: { template: { spec: PodSpec } } } | undefined)?.spec.template.spec ?? {
    containers: [],
  };
const find = (objects: KubeObject[], kind: string, name: string): KubeObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const rbacShape = (o: KubeObject): unknown => {
  const { rules, roleRef, subjects } = o as KubeObject & Record<string, unknown>;
  return { kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, rules, roleRef, subjects };
};

/** Asserts the chart's Deployment `name` runs its pod as the manifests' does (image, pull policy and extra args aside). */
function assertRunsAsManifests(
  chartObjects: KubeObject[],
  manifests: readonly KubeObject[],
  name: string,
): void {
  const chart = podSpec(find(chartObjects, "Deployment", name));
  const plain = podSpec(find([...manifests], "Deployment", name));
  assert.deepEqual(chart.securityContext, plain.securityContext);
  assert.equal(chart.serviceAccountName, plain.serviceAccountName);
  assert.deepEqual(chart.volumes, plain.volumes);
  const strip = (c: Container | undefined): unknown => {
    const { image: _image, imagePullPolicy: _policy, args: _args, ...rest } = c ?? ({} as Container);
    return rest;
  };
  assert.deepEqual(strip(chart.containers[0]), strip(plain.containers[0]));
  for (const arg of plain.containers[0]?.args ?? []) assert.ok(chart.containers[0]?.args?.includes(arg), arg);
}

const ns = "stackwarden-system";
const defaults = await renderChart("stackwarden", ns);

describe("the Helm chart", () => {
  it("passes helm lint --strict with its defaults and with every toggle on", async () => {
    await helm(["lint", "--strict", chartDir]);
    await helm([
      "lint",
      "--strict",
      chartDir,
      "--set",
      "metrics.serviceMonitor.enabled=true,metrics.prometheusRule.enabled=true,operator.watchNamespaces={a,b},operator.leaderElection.enabled=false",
    ]);
  });

  it("grants exactly the RBAC of `stackwarden manifests` (operator and control plane)", () => {
    const kinds = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);
    const chart = defaults.filter((o) => kinds.has(o.kind ?? "")).map(rbacShape);
    const manifests = manifestRbac().map(rbacShape);
    const key = (x: unknown): string => JSON.stringify(x);
    assert.deepEqual(chart.map(key).sort(), manifests.map(key).sort());
  });

  for (const [what, kind, manifests] of [
    ["operator", "stackwarden-operator", operatorManifests()],
    ["control plane", "stackwarden-control-plane", controlPlaneManifests()],
  ] as const) {
    it(`runs the ${what} as \`stackwarden manifests\` does: same security, ports, probes, env and volumes`, () => {
      assertRunsAsManifests(defaults, manifests, kind);
    });
  }

  describe("in agent mode", async () => {
    const agentMode = { mode: "agent", "agent.controlPlane": "https://cp.example" };
    const objects = await renderChart("stackwarden", ns, agentMode);

    it("passes helm lint --strict", async () => {
      await helm(["lint", "--strict", chartDir, "--set", "mode=agent,agent.controlPlane=https://cp.example"]);
    });

    it("runs the operator and an agent, and no control plane", () => {
      assert.ok(find(objects, "Deployment", "stackwarden-operator"));
      assert.ok(find(objects, "Deployment", "stackwarden-agent"));
      assert.deepEqual(
        objects
          .filter((o) => o.metadata.name.includes("control-plane"))
          .map((o) => `${o.kind}/${o.metadata.name}`),
        [],
      );
    });

    it("grants exactly the RBAC of `stackwarden manifests` agent and operator, nothing of the control plane", () => {
      const kinds = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);
      const key = (x: unknown): string => JSON.stringify(x);
      const chart = objects.filter((o) => kinds.has(o.kind ?? "")).map(rbacShape);
      const expected = [
        ...manifestRbac().filter((o) => !o.metadata.name.includes("control-plane")),
        ...agentRbac(),
      ].map(rbacShape);
      assert.deepEqual(chart.map(key).sort(), expected.map(key).sort());
    });

    it("runs the agent as `stackwarden manifests agent` does: same account, security, env, mounts and volumes", () => {
      assertRunsAsManifests(objects, agentManifests(), "stackwarden-agent");
      const config = find(objects, "ConfigMap", "stackwarden-agent") as
        (KubeObject & { data: unknown }) | undefined;
      assert.deepEqual(config?.data, { controlPlane: "https://cp.example" });
      assert.equal(
        objects.filter((o) => o.kind === "Secret").length,
        0,
        "the join token stays in the user's Secret",
      );
    });

    it("reads the join token from the Secret the values name", async () => {
      const named = await renderChart("stackwarden", ns, {
        ...agentMode,
        "agent.joinToken.secretName": "edge-join",
        "agent.joinToken.secretKey": "jt",
      });
      assert.deepEqual(podSpec(find(named, "Deployment", "stackwarden-agent")).volumes, [
        {
          name: "join",
          secret: { secretName: "edge-join", items: [{ key: "jt", path: "token" }], optional: true },
        },
        { name: "state", persistentVolumeClaim: { claimName: "stackwarden-agent" } },
      ]);
    });

    it("can leave the operator to another release", async () => {
      const alone = await renderChart("stackwarden", ns, { ...agentMode, "operator.enabled": "false" });
      assert.deepEqual(
        alone
          .filter((o) => o.kind !== "CustomResourceDefinition")
          .map((o) => `${o.kind}/${o.metadata.name}`)
          .sort(),
        [
          "ClusterRole/stackwarden-agent",
          "ClusterRoleBinding/stackwarden-agent",
          "ConfigMap/stackwarden-agent",
          "Deployment/stackwarden-agent",
          "PersistentVolumeClaim/stackwarden-agent",
          "ServiceAccount/stackwarden-agent",
        ],
      );
    });

    for (const [values, field] of [
      [{ mode: "agent" }, /agent\.controlPlane is required/],
      [
        { mode: "agent", "agent.controlPlane": "http://cp.example" },
        /agent\.controlPlane must be an https:\/\/ URL/,
      ],
      [{ mode: "edge" }, /mode must be full .* or agent .*, got "edge"/],
    ] as const) {
      it(`refuses ${JSON.stringify(values)}, naming the value`, async () => {
        await assert.rejects(renderChart("stackwarden", ns, values), field);
      });
    }
  });

  it("passes watched namespaces and leader election to the operator", async () => {
    const args = (objects: KubeObject[]): string[] =>
      podSpec(find(objects, "Deployment", "stackwarden-operator")).containers[0]?.args ?? [];
    assert.ok(!args(defaults).some((a) => a.startsWith("--namespaces")));
    const narrowed = await renderChart("stackwarden", ns, {
      "operator.watchNamespaces": "{team-a,team-b}",
      "operator.leaderElection.enabled": "false",
      "operator.replicas": "1",
    });
    assert.ok(args(narrowed).includes("--namespaces=team-a,team-b"));
    assert.ok(!args(narrowed).includes("--leader-elect"));
    assert.equal(find(narrowed, "Role", "stackwarden-leader-election"), undefined);
    assert.equal(
      (find(narrowed, "Deployment", "stackwarden-operator") as unknown as { spec: { replicas: number } }).spec
        .replicas,
      1,
    );
  });

  it("starts the operator in V8's lite mode unless operator.liteMode is false, and never the control plane", async () => {
    const command = (objects: KubeObject[], name: string): unknown =>
      podSpec(find(objects, "Deployment", name)).containers[0]?.command;
    assert.deepEqual(command(defaults, "stackwarden-operator"), [...operatorCommand]);
    assert.equal(command(defaults, "stackwarden-control-plane"), undefined);
    const plain = await renderChart("stackwarden", ns, { "operator.liteMode": "false" });
    // The image's entrypoint then runs it, as it runs the control plane.
    assert.equal(command(plain, "stackwarden-operator"), undefined);
    assert.deepEqual(
      podSpec(find(plain, "Deployment", "stackwarden-operator")).containers[0]?.args?.[0],
      "operator",
    );
  });

  it("reads the database URL from the Secret the values name, and holds no password itself", async () => {
    const objects = await renderChart("stackwarden", ns, {
      "controlPlane.database.secretName": "pg",
      "controlPlane.database.secretKey": "dsn",
    });
    const env = podSpec(find(objects, "Deployment", "stackwarden-control-plane")).containers[0]?.env;
    assert.deepEqual(
      env?.find((e) => e.name === "DATABASE_URL"),
      {
        name: "DATABASE_URL",
        valueFrom: { secretKeyRef: { name: "pg", key: "dsn" } },
      },
    );
    assert.equal(objects.filter((o) => o.kind === "Secret").length, 0);
  });

  it("renders the ServiceMonitor and the PrometheusRule only when asked, the rule with the shipped alerts", async () => {
    assert.deepEqual(
      defaults.filter((o) => o.kind === "ServiceMonitor" || o.kind === "PrometheusRule"),
      [],
    );
    const objects = await renderChart("stackwarden", ns, {
      "metrics.serviceMonitor.enabled": "true",
      "metrics.prometheusRule.enabled": "true",
    });
    assert.ok(find(objects, "ServiceMonitor", "stackwarden"));
    const rule = find(objects, "PrometheusRule", "stackwarden") as
      (KubeObject & { spec: unknown }) | undefined;
    assert.deepEqual(rule?.spec, load(await readFile(alertRulesFile, "utf8")));
  });

  it("ships the CRDs in crds/, where Helm installs them first and never deletes them", () => {
    const crds = defaults.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name);
    const expected = operatorManifests()
      .filter((o) => o.kind === "CustomResourceDefinition")
      .map((o) => o.metadata.name);
    assert.deepEqual(crds.sort(), expected.sort());
  });
});
