/**
 * The control plane's shipped ClusterRole is enough: a control plane running
 * with nothing but a ServiceAccount token bound to it deploys a stack,
 * records its objects and drift without reading a Secret, and deletes it.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { stackBinding } from "../operator/stack/stack-controller.ts";
import { KubeClient } from "../kube/client.ts";
import { applyObject } from "../kube/apply.ts";
import { ResourceTypes } from "../kube/resource-type.ts";
import type { KubeObject } from "../api/object.ts";
import { createLogger } from "../observability/logger.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { startKindOperator } from "../testing/kind-operator.ts";
import { startControlPlane } from "./control-plane.ts";
import { builtinTemplateRecords } from "./guardrails.ts";
import { controlPlaneManifests } from "./manifests.ts";
import { openStore } from "./store/store.ts";

const ns = await useTestNamespace("cp-rbac");
await startKindOperator(ns, [stackBinding]);
const admin = new KubeClient(ns.kc);
const bindingName = `${ns.namespace}-control-plane`;
after(async () => {
  await admin
    .request("DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${bindingName}`)
    .catch(() => undefined);
  admin.close();
});
const explain = { timeoutMs: 90_000, explain: () => describeNamespace(ns.kc, ns.namespace) };

/** A kubeconfig holding only a token of a ServiceAccount bound to the shipped ClusterRole. */
async function restrictedKubeconfig(): Promise<KubeConfig> {
  const types = new ResourceTypes();
  const role = controlPlaneManifests().find((o) => o.kind === "ClusterRole");
  assert.ok(role);
  await applyObject({ client: admin, types }, role);
  await admin.request("POST", `/api/v1/namespaces/${ns.namespace}/serviceaccounts`, {
    body: { metadata: { name: "control-plane" } },
  });
  await applyObject({ client: admin, types }, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: bindingName },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
    subjects: [{ kind: "ServiceAccount", name: "control-plane", namespace: ns.namespace }],
  } as KubeObject);
  const token = await admin.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${ns.namespace}/serviceaccounts/control-plane/token`,
    { body: { spec: { expirationSeconds: 3600 } } },
  );
  const cluster = ns.kc.getCurrentCluster();
  assert.ok(cluster);
  const restricted = new KubeConfig();
  restricted.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "control-plane", token: token.status.token }],
    contexts: [{ name: "control-plane", cluster: cluster.name, user: "control-plane" }],
    currentContext: "control-plane",
  });
  return restricted;
}

describe("the control plane's ClusterRole", () => {
  it("is all the control plane needs to deploy, observe and delete a stack, without reading Secrets", async () => {
    const restricted = await restrictedKubeconfig();
    const probe = new KubeClient(restricted);
    await assert.rejects(
      probe.request("GET", `/api/v1/namespaces/${ns.namespace}/secrets`),
      (e: unknown) => (e as { status?: number }).status === 403,
      "the token may not read Secrets",
    );
    probe.close();

    const store = await openStore({ dataDir: "memory://" });
    after(() => store.close());
    await store.catalog.syncBuiltins(builtinTemplateRecords());
    const stop = new AbortController();
    const cp = await startControlPlane(
      { store, kubeconfig: restricted, resyncMs: 3_000, logger: createLogger({ level: "error" }) },
      stop.signal,
    );
    after(async () => {
      stop.abort();
      await cp.done;
    });
    const template = builtinTemplateRecords().find((t) => t.name === "minecraft-java");
    assert.ok(template);
    const { stack } = await store.stacks.create(
      {
        template: template.name,
        templateVersion: template.version,
        cluster: "local",
        namespace: ns.namespace,
        name: "guarded",
        params: { eula: true, memory: "1G" },
        drift: { policy: "enforce", ignore: [] },
      },
      "alice",
    );
    cp.notify(stack.id);
    await eventually(
      "the stack to converge under the restricted role",
      async () => {
        const s = await store.stacks.get(stack.id);
        const o = await store.observed.observed(stack.id);
        return s?.lastAppliedGeneration === s?.generation && o?.phase === "Ready" ? true : undefined;
      },
      explain,
    );
    const kinds = await eventually("the managed objects to be tracked", async () => {
      const k = (await store.observed.resources(stack.id)).map((r) => r.kind);
      return k.includes("StatefulSet") && k.includes("Service") && k.includes("ConfigMap") ? k : undefined;
    });
    assert.ok(kinds.includes("Stack"));

    await admin.request("DELETE", `/api/v1/namespaces/${ns.namespace}/services/guarded`);
    await eventually(
      "the deletion to be recorded",
      async () => {
        const all = await store.events({ stackId: stack.id, after: 0, limit: 500 });
        return all.some((e) => e.type === "ResourceDeletedExternally" && e.data["kind"] === "Service")
          ? true
          : undefined;
      },
      explain,
    );

    await store.stacks.change(stack.id, {
      actor: "alice",
      source: "user",
      type: "StackDeleteRequested",
      desiredState: "Deleted",
    });
    cp.notify(stack.id);
    await eventually(
      "the stack to be removed",
      async () => ((await store.stacks.get(stack.id))?.removedAt ? true : undefined),
      explain,
    );
  });
});
