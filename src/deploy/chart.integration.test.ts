/**
 * The chart on the sandbox, as a user runs it: the rendered objects pass the
 * API server's own validation, and install → upgrade → uninstall leaves nothing
 * behind but the CRDs (Helm's convention for crds/). KWOK marks pods Ready
 * without running them, so "every pod Ready" is measured, not the image.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type V1Pod,
} from "@kubernetes/client-node";
import { describeNamespace, testKubectl, useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { operatorCrds } from "../operator/install-crds.ts";
import { chartDir } from "./chart-files.ts";
import { helm } from "./helm.ts";

const ns = await useTestNamespace("helm chart");
const release = `sw-${randomBytes(3).toString("hex")}`;
const prefix = `${release}-stackwarden`;
const selector = `app.kubernetes.io/instance=${release}`;
const kube = ["--kubeconfig", ns.kubeconfig, "--namespace", ns.namespace];
const core = ns.kc.makeApiClient(CoreV1Api);
const apps = ns.kc.makeApiClient(AppsV1Api);
const rbac = ns.kc.makeApiClient(RbacAuthorizationV1Api);
const work = await mkdtemp(join(tmpdir(), "stackwarden-chart-"));
const explain = { timeoutMs: 120_000, explain: () => describeNamespace(ns.kc, ns.namespace) };
after(async () => {
  // A failed test still removes the release's cluster-wide objects.
  await helm(["uninstall", release, ...kube]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

const ready = (p: V1Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

describe("the Helm chart on the sandbox", () => {
  it("renders objects the API server accepts (helm template | kubectl apply --dry-run=server)", async () => {
    const file = join(work, "rendered.yaml");
    await writeFile(
      file,
      await helm(["template", release, chartDir, ...kube, "--set", "metrics.serviceMonitor.enabled=false"]),
    );
    const applied = await testKubectl(["apply", "--dry-run=server", "-n", ns.namespace, "-f", file]);
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(
      applied.stdout,
      new RegExp(`deployment.apps/${prefix}-operator created \\(server dry run\\)`),
    );
    assert.match(
      applied.stdout,
      new RegExp(`clusterrole.rbac.authorization.k8s.io/${prefix}-control-plane created`),
    );
  });

  it("renders, in agent mode, objects the API server accepts: the operator and the agent, no control plane", async () => {
    const file = join(work, "rendered-agent.yaml");
    await writeFile(
      file,
      await helm([
        "template",
        release,
        chartDir,
        ...kube,
        "--set",
        "mode=agent,agent.controlPlane=https://cp.example",
      ]),
    );
    const applied = await testKubectl(["apply", "--dry-run=server", "-n", ns.namespace, "-f", file]);
    assert.equal(applied.status, 0, applied.stderr);
    for (const created of [
      `deployment.apps/${prefix}-operator`,
      `deployment.apps/${prefix}-agent`,
      `clusterrole.rbac.authorization.k8s.io/${prefix}-agent`,
      `persistentvolumeclaim/${prefix}-agent`,
      `configmap/${prefix}-agent`,
    ])
      assert.ok(
        applied.stdout.includes(`${created} created (server dry run)`),
        `${created}\n${applied.stdout}`,
      );
    assert.ok(!applied.stdout.includes("control-plane"), applied.stdout);
  });

  it("installs, with every pod Ready; an upgrade reaches the Deployment; uninstall leaves only the CRDs", async () => {
    // What a user does first: the Secret with the database URL (NOTES.txt says so).
    await core.createNamespacedSecret({
      namespace: ns.namespace,
      body: { metadata: { name: "stackwarden-database" }, stringData: { url: "postgres://u:p@db:5432/sw" } },
    });
    // The sandbox is shared: when the CRDs are there already (another test's operator installed
    // them, maybe from a newer schema), Helm 4 would server-side apply ours over them and conflict.
    // Then the release skips crds/, as a user who installed the CRDs another way does.
    const crds = ns.kc.makeApiClient(ApiextensionsV1Api);
    const present = await Promise.all(
      operatorCrds().map((c) =>
        crds.readCustomResourceDefinition({ name: c.metadata.name }).then(
          () => true,
          () => false,
        ),
      ),
    );
    const skipCrds = present.some(Boolean) ? ["--skip-crds"] : [];
    const started = Date.now();
    const notes = await helm(["install", release, chartDir, ...kube, ...skipCrds]);
    assert.match(notes, /Stackwarden 0\.1\.0 is installed/);
    const pods = await eventually(
      "the operator's and the control plane's pods to be Ready",
      async () => {
        const list = await core.listNamespacedPod({ namespace: ns.namespace, labelSelector: selector });
        return list.items.length === 4 && list.items.every(ready) ? list.items : undefined;
      },
      explain,
    );
    process.stderr.write(
      `helm install → all ${pods.length} pods Ready: ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );

    await helm([
      "upgrade",
      release,
      chartDir,
      ...kube,
      "--reuse-values",
      "--set",
      `operator.watchNamespaces={${ns.namespace}}`,
      "--set",
      "operator.replicas=3",
    ]);
    const operator = await apps.readNamespacedDeployment({
      name: `${prefix}-operator`,
      namespace: ns.namespace,
    });
    assert.equal(operator.spec?.replicas, 3);
    assert.ok(operator.spec?.template.spec?.containers[0]?.args?.includes(`--namespaces=${ns.namespace}`));
    await eventually(
      "three operator pods Ready after the upgrade",
      async () => {
        const list = await core.listNamespacedPod({
          namespace: ns.namespace,
          labelSelector: `${selector},app.kubernetes.io/component=operator`,
        });
        const current = list.items.filter((p) => !p.metadata?.deletionTimestamp);
        return current.length === 3 && current.every(ready) ? true : undefined;
      },
      explain,
    );

    await helm(["uninstall", release, ...kube, "--wait"]);
    await eventually(
      "nothing of the release left",
      async () => {
        const left = [
          ...(await apps.listNamespacedDeployment({ namespace: ns.namespace, labelSelector: selector }))
            .items,
          ...(await core.listNamespacedService({ namespace: ns.namespace, labelSelector: selector })).items,
          ...(await core.listNamespacedServiceAccount({ namespace: ns.namespace, labelSelector: selector }))
            .items,
          ...(await core.listNamespacedPod({ namespace: ns.namespace, labelSelector: selector })).items,
          ...(await rbac.listNamespacedRole({ namespace: ns.namespace, labelSelector: selector })).items,
          ...(await rbac.listNamespacedRoleBinding({ namespace: ns.namespace, labelSelector: selector }))
            .items,
          ...(await rbac.listClusterRole({ labelSelector: selector })).items,
          ...(await rbac.listClusterRoleBinding({ labelSelector: selector })).items,
        ];
        return left.length === 0 ? true : undefined;
      },
      explain,
    );
    // Helm never deletes what crds/ installed: the stacks of every namespace outlive the release.
    for (const crd of operatorCrds()) await crds.readCustomResourceDefinition({ name: crd.metadata.name });
  });
});
