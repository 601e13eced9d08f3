/**
 * The shipped ClusterRole is enough: the operator, running with nothing but a
 * ServiceAccount token bound to it, installs a stack, keeps it and deletes it.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import { stackResourceType, type Stack } from "../api/stack.ts";
import { KubeClient } from "../kube/client.ts";
import { applyObject } from "../kube/apply.ts";
import { isNotFound } from "../kube/errors.ts";
import { ResourceTypes, resourcePath } from "../kube/resource-type.ts";
import type { KubeObject } from "../api/object.ts";
import { eventually } from "../testing/eventually.ts";
import { describeNamespace, useTestNamespace } from "../testing/cluster.ts";
import { startOperator } from "../cli/operator.ts";
import { installCrds } from "./install-crds.ts";
import { operatorManifests } from "./manifests.ts";
import type { Manifest } from "../resources/manifest.ts";
import { buildChronikRbac } from "../templates/chronik-cluster/build-rbac.ts";

const ns = await useTestNamespace("rbac");
const admin = new KubeClient(ns.kc);
const types = new ResourceTypes();
const stop = new AbortController();
let done: Promise<void> | undefined;
after(async () => {
  stop.abort();
  await done;
  await admin
    .request("DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${ns.namespace}-operator`)
    .catch(() => undefined);
  admin.close();
});

/**
 * Chronik's Role and RoleBinding apply with the operator's token; a Role
 * granting more than the operator holds, a binding to such a role, and a PUT
 * of a Role (no `update`) are refused: it holds neither `escalate` nor `bind`.
 */
async function rbacIsBounded(asOperator: KubeClient): Promise<void> {
  const apply = (o: Manifest): Promise<unknown> =>
    applyObject(
      { client: asOperator, types },
      { ...o, metadata: { ...o.metadata, namespace: ns.namespace } },
    );
  for (const o of buildChronikRbac("chronik-rbac")) await apply(o);
  const role = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.namespace}/roles/chronik-rbac`;
  const forbidden = (e: unknown): boolean => (e as { status?: number }).status === 403;
  const live = await admin.request<KubeObject>("GET", role);
  await assert.rejects(asOperator.request("PUT", role, { body: live }), forbidden, "no update on Roles");
  await assert.rejects(
    apply({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "wider" },
      rules: [{ apiGroups: [""], resources: ["persistentvolumes", "nodes"], verbs: ["get"] }],
    }),
    forbidden,
    "no escalate: a Role granting what the operator does not hold",
  );
  await assert.rejects(
    apply({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "chronik-rbac" }],
    }),
    forbidden,
    "no bind: a binding to a role the operator does not hold",
  );
}

describe("the operator's ClusterRole", () => {
  it("is all the operator needs to install, repair and delete a stack", async () => {
    await installCrds(admin, types);
    const role = operatorManifests().find((o) => o.kind === "ClusterRole")!;
    await applyObject({ client: admin, types }, role);
    await admin.request("POST", `/api/v1/namespaces/${ns.namespace}/serviceaccounts`, {
      body: { metadata: { name: "operator" } },
    });
    await applyObject({ client: admin, types }, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `${ns.namespace}-operator` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: "operator", namespace: ns.namespace }],
    } as KubeObject);
    const token = await admin.request<{ status: { token: string } }>(
      "POST",
      `/api/v1/namespaces/${ns.namespace}/serviceaccounts/operator/token`,
      { body: { spec: { expirationSeconds: 3600 } } },
    );
    const cluster = ns.kc.getCurrentCluster()!;
    const restricted = new KubeConfig();
    restricted.loadFromOptions({
      clusters: [cluster],
      users: [{ name: "operator", token: token.status.token }],
      contexts: [{ name: "operator", cluster: cluster.name, user: "operator" }],
      currentContext: "operator",
    });
    const asOperator = new KubeClient(restricted);
    await assert.rejects(
      asOperator.request("LIST", "/api/v1/nodes"),
      (e: unknown) => (e as { status?: number }).status === 403,
      "the token really is restricted",
    );
    await rbacIsBounded(asOperator);
    asOperator.close();

    ({ done } = await startOperator(
      {
        kubeconfig: restricted,
        namespaces: [ns.namespace],
        installCrds: false,
        leaderElect: false,
        leaseNamespace: ns.namespace,
        metricsBindAddress: "0",
        healthProbeBindAddress: "0",
        logLevel: "error",
      },
      stop.signal,
    ));
    await admin.request("POST", resourcePath(stackResourceType, ns.namespace), {
      body: {
        apiVersion: "stackwarden.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "rbac" },
        spec: { template: "minecraft-java", params: { eula: true, memory: "1G" } },
      },
    });
    await eventually(
      "the stack to be Ready",
      async () =>
        (await admin.request<Stack>("GET", resourcePath(stackResourceType, ns.namespace, "rbac"))).status
          ?.phase === "Ready"
          ? true
          : undefined,
      { timeoutMs: 90_000, explain: () => describeNamespace(ns.kc, ns.namespace) },
    );
    await admin.request("DELETE", `/api/v1/namespaces/${ns.namespace}/services/rbac`);
    await eventually("the Service to be recreated", async () =>
      (await admin.request("GET", `/api/v1/namespaces/${ns.namespace}/services/rbac`).catch(() => undefined))
        ? true
        : undefined,
    );
    await admin.request("DELETE", resourcePath(stackResourceType, ns.namespace, "rbac"));
    await eventually("the stack to be deleted", async () => {
      try {
        await admin.request("GET", resourcePath(stackResourceType, ns.namespace, "rbac"));
        return undefined;
      } catch (e: unknown) {
        if (isNotFound(e)) return true;
        throw e;
      }
    });
  });
});
