/**
 * Proof that the sandbox is a real Kubernetes: controllers, scheduler, garbage
 * collection, storage, CRDs with server-side apply and the status subresource,
 * and KWOK stages that let tests decide a pod's fate.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from "@kubernetes/client-node";
import { eventually } from "../testing/eventually.ts";
import { describeNamespace, testKubectl, useTestNamespace } from "../testing/cluster.ts";

const ns = await useTestNamespace("sandbox-proof");
const core = ns.kc.makeApiClient(CoreV1Api);
const apps = ns.kc.makeApiClient(AppsV1Api);

const labels = (app: string): Record<string, string> => ({ app });
const container = (image: string): { name: string; image: string } => ({ name: "main", image });
const isReady = (pod: V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

describe("the sandbox runs workloads", () => {
  it("makes a Deployment of 3 replicas Available with 3 Running, Ready pods", async () => {
    await apps.createNamespacedDeployment({
      namespace: ns.namespace,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels("web") },
          template: { metadata: { labels: labels("web") }, spec: { containers: [container("nginx:1.27")] } },
        },
      },
    });
    const deployment = await eventually("deployment web to be Available", async () => {
      const d = await apps.readNamespacedDeployment({ name: "web", namespace: ns.namespace });
      const available = d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True");
      return available && d.status?.availableReplicas === 3 ? d : undefined;
    });
    assert.equal(deployment.status?.readyReplicas, 3);
    const pods = await core.listNamespacedPod({ namespace: ns.namespace, labelSelector: "app=web" });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.equal(pod.status?.phase, "Running", pod.metadata?.name);
      assert.ok(isReady(pod), `${pod.metadata?.name} is Ready`);
      assert.ok(pod.spec?.nodeName?.startsWith("sandbox-node-"), "scheduled onto a KWOK node");
      assert.ok(pod.status?.podIP, "has a pod IP");
    }
  });

  it("makes a StatefulSet with a volumeClaimTemplate ready with Bound PVCs", async () => {
    await apps.createNamespacedStatefulSet({
      namespace: ns.namespace,
      body: {
        metadata: { name: "db" },
        spec: {
          replicas: 2,
          serviceName: "db",
          selector: { matchLabels: labels("db") },
          template: {
            metadata: { labels: labels("db") },
            spec: {
              containers: [
                { ...container("postgres:17"), volumeMounts: [{ name: "data", mountPath: "/data" }] },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            },
          ],
        },
      },
    });
    await eventually(
      "statefulset db to have 2 ready replicas",
      async () => {
        const s = await apps.readNamespacedStatefulSet({ name: "db", namespace: ns.namespace });
        return s.status?.readyReplicas === 2 && s.status.currentRevision === s.status.updateRevision
          ? s
          : undefined;
      },
      { explain: () => describeNamespace(ns.kc, ns.namespace) },
    );
    const claims = await core.listNamespacedPersistentVolumeClaim({ namespace: ns.namespace });
    assert.deepEqual(claims.items.map((c) => c.metadata?.name).sort(), ["data-db-0", "data-db-1"]);
    for (const claim of claims.items) {
      assert.equal(claim.status?.phase, "Bound", claim.metadata?.name);
      assert.equal(claim.spec?.storageClassName, "standard", "the default StorageClass was applied");
    }
  });

  it("garbage-collects ConfigMaps whose owner is deleted", async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: ns.namespace,
      body: { metadata: { name: "owner" }, data: { role: "owner" } },
    });
    const ownerReferences = [
      { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! },
    ];
    for (const name of ["child-a", "child-b"]) {
      await core.createNamespacedConfigMap({
        namespace: ns.namespace,
        body: { metadata: { name, ownerReferences } },
      });
    }
    await core.createNamespacedConfigMap({
      namespace: ns.namespace,
      body: { metadata: { name: "bystander" } },
    });

    await core.deleteNamespacedConfigMap({ name: "owner", namespace: ns.namespace });
    await eventually("the owned ConfigMaps to be collected", async () => {
      const left = await core.listNamespacedConfigMap({ namespace: ns.namespace });
      const names = left.items.map((c) => c.metadata?.name);
      return names.includes("child-a") || names.includes("child-b") ? undefined : names;
    });
    await core.readNamespacedConfigMap({ name: "bystander", namespace: ns.namespace });
  });
});

describe("the sandbox serves custom resources", () => {
  const group = "proof.sandbox.stackwarden.dev";

  it("accepts a server-side apply and a status patch on a CRD with a status subresource", async () => {
    const ext = ns.kc.makeApiClient(ApiextensionsV1Api);
    const crdName = `widgets.${group}`;
    await ext.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    await eventually("any old CRD to be gone", async () =>
      ext.readCustomResourceDefinition({ name: crdName }).then(
        () => undefined,
        () => true,
      ),
    );
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
          scope: "Namespaced",
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } },
                    status: { type: "object", properties: { phase: { type: "string" } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await eventually("the CRD to be Established", async () => {
      const crd = await ext.readCustomResourceDefinition({ name: crdName });
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        ? crd
        : undefined;
    });

    const objects = KubernetesObjectApi.makeApiClient(ns.kc);
    const widget: KubernetesObject & { spec: { size: number } } = {
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name: "w1", namespace: ns.namespace },
      spec: { size: 3 },
    };
    const applied = await eventually("the server-side apply to be accepted", () =>
      objects.patch(widget, undefined, undefined, "stackwarden", true, PatchStrategy.ServerSideApply),
    );
    const managers = applied.metadata?.managedFields?.map((f) => f.manager);
    assert.deepEqual(managers, ["stackwarden"]);

    const custom = ns.kc.makeApiClient(CustomObjectsApi);
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version: "v1",
        namespace: ns.namespace,
        plural: "widgets",
        name: "w1",
        body: { status: { phase: "Ready" } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    )) as { spec: { size: number }; status: { phase: string } };
    assert.equal(patched.status.phase, "Ready");
    assert.equal(patched.spec.size, 3);

    // The status subresource is separate: a status write cannot change the spec,
    // and the schema rejects bad input with the field's path.
    await assert.rejects(
      objects.patch(
        { ...widget, spec: { size: 0 } },
        undefined,
        undefined,
        "stackwarden",
        true,
        PatchStrategy.ServerSideApply,
      ),
      (e: unknown) => e instanceof Error && /spec\.size/.test(e.message),
    );
    await ext.deleteCustomResourceDefinition({ name: crdName });
  });
});

describe("KWOK stages decide a pod's fate", () => {
  const pod = (name: string, image: string, fate?: string): V1Pod => ({
    metadata: { name, ...(fate ? { labels: { "sandbox.stackwarden.dev/fate": fate } } : {}) },
    spec: { containers: [container(image)] },
  });
  const read = (name: string): Promise<V1Pod> => core.readNamespacedPod({ name, namespace: ns.namespace });

  it("keeps a pod marked never-ready Running but not Ready, while a healthy one becomes Ready", async () => {
    await core.createNamespacedPod({ namespace: ns.namespace, body: pod("healthy", "nginx:1.27") });
    await core.createNamespacedPod({
      namespace: ns.namespace,
      body: pod("by-label", "nginx:1.27", "never-ready"),
    });
    await core.createNamespacedPod({
      namespace: ns.namespace,
      body: pod("by-tag", "nginx:1.27-never-ready"),
    });
    await eventually("the healthy pod to be Ready", async () =>
      (await read("healthy")) && isReady(await read("healthy")) ? true : undefined,
    );
    for (const name of ["by-label", "by-tag"]) {
      const p = await eventually(`${name} to be Running`, async () => {
        const current = await read(name);
        return current.status?.phase === "Running" ? current : undefined;
      });
      assert.equal(isReady(p), false, `${name} must not be Ready`);
    }
    // Proof that the fake kubelet has had every chance: a stage fires 1-2 s after its pod matches, so
    // two healthy pods made one after the other and both Ready span more than any stage's delay
    // since the never-ready pods were Running. They are still not Ready.
    for (const marker of ["later-1", "later-2"]) {
      await core.createNamespacedPod({ namespace: ns.namespace, body: pod(marker, "nginx:1.27") });
      await eventually(`${marker} to be Ready`, async () => (isReady(await read(marker)) ? true : undefined));
    }
    for (const name of ["by-label", "by-tag"]) assert.equal(isReady(await read(name)), false, name);
  });

  it("crash-loops a pod marked crashloop, with a climbing restart count", async () => {
    await core.createNamespacedPod({
      namespace: ns.namespace,
      body: pod("crasher", "busybox:1.37-crashloop"),
    });
    const restarts = async (): Promise<number> =>
      (await read("crasher")).status?.containerStatuses?.[0]?.restartCount ?? 0;
    const first = await eventually("the first restart", async () =>
      (await restarts()) >= 1 ? restarts() : undefined,
    );
    const p = await read("crasher");
    assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, "CrashLoopBackOff");
    assert.equal(isReady(p), false);
    await eventually("another restart", async () => ((await restarts()) > first ? true : undefined), {
      timeoutMs: 30_000,
    });
  });

  it("leaves a pod marked pull-error Pending in ImagePullBackOff", async () => {
    await core.createNamespacedPod({
      namespace: ns.namespace,
      body: pod("unpullable", "registry.invalid/app:1", "pull-error"),
    });
    const p = await eventually("ImagePullBackOff", async () => {
      const current = await read("unpullable");
      return current.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff"
        ? current
        : undefined;
    });
    assert.equal(p.status?.phase, "Pending");
  });
});

describe("the bundled kubectl", () => {
  it("lists a Ready node and reports the sandbox's Kubernetes version", async () => {
    const nodes = await testKubectl(["get", "nodes", "--no-headers"]);
    assert.equal(nodes.status, 0, nodes.stderr);
    assert.match(nodes.stdout, /^\S+\s+Ready\s/m);
    const version = await testKubectl(["version", "-o", "json"]);
    assert.equal(version.status, 0, version.stderr);
    const parsed = JSON.parse(version.stdout) as { clientVersion: { gitVersion: string } };
    assert.match(parsed.clientVersion.gitVersion, /^v1\.\d+\.\d+$/);
  });
});

describe("the sandbox's nodes", () => {
  it("heartbeat through a Lease each that KWOK keeps renewing (so they never go NotReady under their pods)", async () => {
    const coordination = ns.kc.makeApiClient(CoordinationV1Api);
    const nodes = (await core.listNode()).items.map((n) => n.metadata?.name ?? "");
    assert.ok(nodes.length >= 3);
    const renewed = async (): Promise<Map<string, number>> => {
      const leases = await coordination.listNamespacedLease({ namespace: "kube-node-lease" });
      return new Map(
        leases.items.map((l) => [l.metadata?.name ?? "", new Date(l.spec?.renewTime ?? 0).getTime()]),
      );
    };
    const first = await eventually("a Lease for every node", async () => {
      const r = await renewed();
      return nodes.every((n) => (r.get(n) ?? 0) > 0) ? r : undefined;
    });
    await eventually(
      "every node's Lease to be renewed again",
      async () => {
        const r = await renewed();
        return nodes.every((n) => (r.get(n) ?? 0) > (first.get(n) ?? 0)) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
  });
});
