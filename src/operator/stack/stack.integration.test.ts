/**
 * The Stack operator on the sandbox, end to end: a minecraft-java stack is
 * installed, kept, upgraded, rolled back, paused for its prerequisites,
 * refused when invalid, survives an operator restart and is deleted with its
 * data volume kept.
 */
import { after, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { packageRoot } from "../../sandbox/paths.ts";
import assert from "node:assert/strict";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import { ResourceTypes, resourcePath } from "../../kube/resource-type.ts";
import { Reflector } from "../../kube/reflector.ts";
import type { KubeObject } from "../../api/object.ts";
import { eventually } from "../../testing/eventually.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { startNamespaceOperator, type NamespaceOperator } from "../../testing/namespace-operator.ts";
import { healthDeadlineAnnotation } from "./reconcile-stack.ts";

const ns = await useTestNamespace("stacks");
const client = new KubeClient(ns.kc);
const stacks = (name?: string): string => resourcePath(stackResourceType, ns.namespace, name);
const core = (plural: string, name?: string): string =>
  `/api/v1/namespaces/${ns.namespace}/${plural}${name ? `/${name}` : ""}`;
const apps = (plural: string, name?: string): string =>
  `/apis/apps/v1/namespaces/${ns.namespace}/${plural}${name ? `/${name}` : ""}`;

const operator = (): Promise<NamespaceOperator> => startNamespaceOperator(ns);

let running = await operator();
after(async () => {
  await running.stop();
  client.close();
});

const create = (
  name: string,
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): Promise<Stack> =>
  client.request<Stack>("POST", stacks(), {
    body: { apiVersion: "stackwarden.dev/v1alpha1", kind: "Stack", metadata: { name, annotations }, spec },
    query: { fieldValidation: "Strict" },
  });
const read = (name: string): Promise<Stack> => client.request<Stack>("GET", stacks(name));
const explain = { explain: () => describeNamespace(ns.kc, ns.namespace) };
const inPhase = (name: string, phase: string, timeoutMs = 60_000): Promise<Stack> =>
  eventually(
    `stack ${name} to be ${phase}`,
    async () => {
      const s = await read(name);
      return s.status?.phase === phase && s.status.observedGeneration === s.metadata.generation
        ? s
        : undefined;
    },
    { timeoutMs, ...explain },
  );
const condition = (s: Stack, type: string): { status: string; reason: string; message: string } | undefined =>
  s.status?.conditions?.find((c) => c.type === type);
async function eventsOf(name: string): Promise<Array<{ reason: string; note: string }>> {
  const list = await client.request<{
    items: Array<{ reason: string; note?: string; regarding: { name: string } }>;
  }>("LIST", `/apis/events.k8s.io/v1/namespaces/${ns.namespace}/events`);
  return list.items
    .filter((e) => e.regarding.name === name)
    .map((e) => ({ reason: e.reason, note: e.note ?? "" }));
}
const java = (params: Record<string, unknown> = {}): Record<string, unknown> => ({
  template: "minecraft-java",
  params: { eula: true, memory: "1G", ...params },
});

describe("a minecraft-java Stack", () => {
  it("goes Pending → Installing → Ready with its pod Ready", async () => {
    await create("survival", java());
    const phases = new Set<string>();
    const ready = await eventually(
      "survival to be Ready",
      async () => {
        const s = await read("survival");
        if (s.status?.phase) phases.add(s.status.phase);
        return s.status?.phase === "Ready" ? s : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100, ...explain },
    );
    assert.ok(phases.has("Installing"), `saw ${[...phases].join(", ")}`);
    assert.equal(ready.status?.ready, "3/3");
    assert.equal(condition(ready, "Ready")?.status, "True");
    assert.equal(condition(ready, "Available")?.status, "True");
    const pod = await client.request<{ status: { conditions: Array<{ type: string; status: string }> } }>(
      "GET",
      core("pods", "survival-0"),
    );
    assert.ok(pod.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
    assert.ok(
      ready.status?.resources?.every((r) => r.uid !== ""),
      "tracked resources carry UIDs",
    );
    assert.ok(ready.status?.lastKnownGood, "a last known good spec is recorded");
    const reasons = (await eventsOf("survival")).map((e) => e.reason);
    assert.ok(reasons.includes("AllComponentsReady"), reasons.join(", "));
    const secret = await client.request<KubeObject & { data: Record<string, string> }>(
      "GET",
      core("secrets", "survival-rcon"),
    );
    const password = Buffer.from(secret.data["rcon-password"] ?? "", "base64").toString();
    assert.equal(password.length, 24);
    assert.ok(!JSON.stringify(ready).includes(password), "the RCON password is not in the stack");
    assert.ok(!JSON.stringify(await eventsOf("survival")).includes(password), "nor in its events");
  });

  it("puts back a deleted Service at once and an edited value it owns", async () => {
    const before = await client.request<KubeObject>("GET", core("services", "survival"));
    await client.request("DELETE", core("services", "survival"));
    const recreated = await eventually(
      "the Service to be recreated",
      async () => {
        const s = await client
          .request<KubeObject>("GET", core("services", "survival"))
          .catch(() => undefined);
        return s && s.metadata.uid !== before.metadata.uid ? s : undefined;
      },
      { intervalMs: 20 },
    );
    assert.ok(recreated, "recreated");

    const configMaps = await client.request<{ items: Array<KubeObject & { data: Record<string, string> }> }>(
      "LIST",
      core("configmaps"),
      { query: { labelSelector: "stackwarden.dev/stack=survival" } },
    );
    const config = configMaps.items[0]!;
    const [key, value] =
      Object.entries(config.data).find(([k]) => k === "MOTD") ?? Object.entries(config.data)[0]!;
    await client.request("PATCH", core("configmaps", config.metadata.name), {
      query: { fieldManager: "kubectl-edit" },
      body: { data: { [key]: "edited by hand" } },
      contentType: "application/merge-patch+json",
    });
    await eventually("the edited value to be restored", async () => {
      const c = await client.request<{ data: Record<string, string> }>(
        "GET",
        core("configmaps", config.metadata.name),
      );
      return c.data[key] === value ? true : undefined;
    });
    const events = await eventually("the drift events", async () => {
      const reasons = (await eventsOf("survival")).map((e) => e.reason);
      return ["ResourceDeletedExternally", "ResourceModifiedExternally", "DriftCorrected"].every((r) =>
        reasons.includes(r),
      )
        ? reasons
        : undefined;
    });
    assert.ok(events.length > 0);
    // The ConfigMap's correction may still be on its way when its detection Event is out.
    const stack = await eventually("both corrections counted in the status", async () => {
      const s = await read("survival");
      return (s.status?.drift?.corrections ?? 0) >= 2 ? s : undefined;
    });
    assert.equal(stack.status?.drift?.corrections, 2);
    assert.equal(stack.status?.drift?.detected, 2);
    assert.equal(stack.status?.drift?.lastCorrection?.by, "Person");
    const reasons = (await eventsOf("survival")).map((e) => e.reason);
    for (const reason of ["ResourceDeletedExternally", "ResourceModifiedExternally"]) {
      assert.equal(reasons.filter((r) => r === reason).length, 1, `one ${reason}`);
    }
  });

  it("leaves an ignored field alone", async () => {
    await create("scaled", {
      ...java(),
      drift: { ignore: [{ kind: "StatefulSet", jsonPointer: "/spec/replicas" }] },
    });
    await inPhase("scaled", "Ready", 90_000);
    await client.request("PATCH", `${apps("statefulsets", "scaled")}/scale`, {
      query: { fieldManager: "hpa-like" },
      body: { spec: { replicas: 2 } },
      contentType: "application/merge-patch+json",
    });
    // A reconcile happens (status and pod changes enqueue it); the replicas stay as someone else set them.
    await eventually("the second pod", async () =>
      (await client.request<KubeObject>("GET", core("pods", "scaled-1")).catch(() => undefined))
        ? true
        : undefined,
    );
    const sts = await client.request<{ spec: { replicas: number } }>("GET", apps("statefulsets", "scaled"));
    assert.equal(sts.spec.replicas, 2);
  });

  it("upgrades on a version change, and rolls back an upgrade whose pod never becomes Ready", async () => {
    const current = await read("survival");
    await client.request("PATCH", stacks("survival"), {
      body: { spec: { params: { ...(current.spec.params ?? {}), version: "1.21.4" } } },
      contentType: "application/merge-patch+json",
    });
    await inPhase("survival", "Ready", 90_000);
    const upgraded = await read("survival");
    assert.equal((upgraded.status?.lastKnownGood?.params as { version?: string }).version, "1.21.4");

    await client.request("PATCH", stacks("survival"), {
      body: {
        metadata: { annotations: { [healthDeadlineAnnotation]: "5" } },
        spec: { params: { ...(upgraded.spec.params ?? {}), image: "itzg/minecraft-server:never-ready" } },
      },
      contentType: "application/merge-patch+json",
    });
    const rolledBack = await eventually(
      "the failed upgrade to be rolled back",
      async () => {
        const s = await read("survival");
        const degraded = condition(s, "Degraded");
        return s.status?.phase === "Ready" && degraded?.reason === "UpgradeRolledBack" ? s : undefined;
      },
      { timeoutMs: 120_000, ...explain },
    );
    assert.equal(condition(rolledBack, "Degraded")?.status, "True");
    const sts = await client.request<{
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    }>("GET", apps("statefulsets", "survival"));
    assert.doesNotMatch(sts.spec.template.spec.containers[0]!.image, /never-ready/);
    const reasons = (await eventsOf("survival")).map((e) => e.reason);
    assert.ok(reasons.includes("UpgradeFailed"), reasons.join(", "));
  });

  it("writes nothing while paused, and catches up when resumed", async () => {
    await client.request("PATCH", stacks("scaled"), {
      body: { spec: { paused: true } },
      contentType: "application/merge-patch+json",
    });
    const paused = await inPhase("scaled", "Paused");
    assert.equal(condition(paused, "Paused")?.status, "True");
    const service = await client.request<KubeObject>("GET", core("services", "scaled"));
    await client.request("DELETE", core("services", "scaled"));
    // The deletion enqueues the stack; its reconcile records the drift in status (proof it looked)
    // and, paused, puts nothing back.
    await eventually("the deletion recorded while paused", async () => {
      const s = await read("scaled");
      return s.status?.drift?.pending?.some((p) => p.uid === service.metadata.uid) ? true : undefined;
    });
    await assert.rejects(
      client.request("GET", core("services", "scaled")),
      (e: unknown) => isNotFound(e),
      "not recreated while paused",
    );
    await client.request("PATCH", stacks("scaled"), {
      body: { spec: { paused: false } },
      contentType: "application/merge-patch+json",
    });
    await inPhase("scaled", "Ready");
    await client.request("GET", core("services", "scaled"));
  });

  it("waits in Pending for a Secret it references, and proceeds when it appears", async () => {
    await create("guarded", java({ existingRconSecret: "guarded-rcon" }));
    const pending = await inPhase("guarded", "Pending");
    assert.match(condition(pending, "Ready")?.message ?? "", /Secret\/guarded-rcon/);
    await client.request("POST", core("secrets"), {
      body: { metadata: { name: "guarded-rcon" }, stringData: { "rcon-password": "owner-chosen-password" } },
    });
    await inPhase("guarded", "Ready", 90_000);
  });

  it("waits in Pending while the namespace's ResourceQuota cannot hold it", async () => {
    await client.request("POST", core("resourcequotas"), {
      body: { metadata: { name: "tight" }, spec: { hard: { "requests.memory": "1Gi" } } },
    });
    await eventually("the quota's usage to be counted", async () =>
      (
        await client.request<{ status?: { used?: Record<string, string> } }>(
          "GET",
          core("resourcequotas", "tight"),
        )
      ).status?.used
        ? true
        : undefined,
    );
    await create("quota", java());
    const pending = await inPhase("quota", "Pending");
    assert.match(
      condition(pending, "Ready")?.message ?? "",
      /ResourceQuota\/tight \(requests\.memory: needs 1\.5Gi/,
    );
    await client.request("DELETE", core("resourcequotas", "tight"));
    await inPhase("quota", "Ready", 90_000);
  });

  it("is deleted in reverse order with its data volume kept", async () => {
    // Watch the children go: the Service (last component) first, then the StatefulSet, then the ConfigMap.
    const gone: string[] = [];
    const watching = new AbortController();
    const types = new ResourceTypes();
    for (const [apiVersion, kind] of [
      ["v1", "Service"],
      ["apps/v1", "StatefulSet"],
      ["v1", "ConfigMap"],
    ] as const) {
      const reflector = new Reflector({
        client,
        type: types.known(apiVersion, kind)!,
        namespace: ns.namespace,
        labelSelector: "stackwarden.dev/stack=guarded",
      });
      reflector.on((e) => {
        if (e.type === "deleted") gone.push(kind);
      });
      void reflector.run(watching.signal);
      await reflector.waitForSync();
    }
    await client.request("DELETE", stacks("guarded"));
    await eventually(
      "the stack to be gone",
      async () => {
        try {
          await read("guarded");
          return undefined;
        } catch (e: unknown) {
          if (isNotFound(e)) return true;
          throw e;
        }
      },
      { timeoutMs: 60_000 },
    );
    for (const path of [apps("statefulsets", "guarded"), core("services", "guarded")]) {
      await assert.rejects(client.request("GET", path), (e: unknown) => isNotFound(e), path);
    }
    watching.abort();
    assert.deepEqual(
      gone,
      ["Service", "StatefulSet", "ConfigMap"],
      "children deleted in reverse dependency order",
    );
    const claim = await client.request<KubeObject & { status: { phase: string } }>(
      "GET",
      core("persistentvolumeclaims", "data-guarded-0"),
    );
    assert.equal(claim.metadata.deletionTimestamp, undefined, "the data volume is kept");
  });

  it("converges after the operator is killed (SIGKILL) mid-install and started again, with no duplicates", async () => {
    // The in-process operator steps aside; a separate operator process takes the install and is killed in it.
    await running.stop();
    const child = spawn(
      process.execPath,
      [
        join(packageRoot, "src", "cli", "main.ts"),
        "operator",
        `--kubeconfig=${ns.kubeconfig}`,
        `--namespaces=${ns.namespace}`,
        "--metrics-bind-address=0",
        "--health-probe-bind-address=0",
        "--log-level=error",
      ],
      { stdio: "ignore" },
    );
    try {
      await create("restarted", java());
      await eventually("the install to start", async () =>
        (await read("restarted")).status?.phase === "Installing" ? true : undefined,
      );
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    running = await operator();
    await inPhase("restarted", "Ready", 90_000);
    const list = async (path: string): Promise<number> =>
      (
        await client.request<{ items: unknown[] }>("LIST", path, {
          query: { labelSelector: "stackwarden.dev/stack=restarted" },
        })
      ).items.length;
    assert.equal(await list(apps("statefulsets")), 1);
    assert.equal(await list(core("services")), 1);
    assert.equal(await list(core("configmaps")), 1);
  });
});

describe("bad input", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["no EULA", { template: "minecraft-java", params: { memory: "1G" } }, /\/spec\/params\/eula/],
    ["memory above the guardrail", java({ memory: "32G" }), /\/spec\/params\/memory.*16G/],
    [
      "an unknown template",
      { template: "minecraft-pocket", params: {} },
      /\/spec\/template: unknown template/,
    ],
    ["an unknown parameter", java({ colour: "blue" }), /\/spec\/params\/colour/],
  ];
  for (const [name, spec, field] of cases) {
    it(`${name}: Failed with a condition naming the field, and nothing created`, async () => {
      const stackName = `bad-${name.replace(/[^a-z]+/g, "-").replace(/-$/, "")}`;
      await create(stackName, spec);
      const failed = await inPhase(stackName, "Failed");
      assert.match(condition(failed, "Ready")?.message ?? "", field);
      assert.equal(condition(failed, "Degraded")?.reason, "InvalidSpec");
      const children = await client.request<{ items: unknown[] }>("LIST", apps("statefulsets"), {
        query: { labelSelector: `stackwarden.dev/stack=${stackName}` },
      });
      assert.equal(children.items.length, 0);
    });
  }

  it("an unknown field in the spec is refused by the API server, naming it", async () => {
    await assert.rejects(create("bad-field", { ...java(), colour: "blue" }), /spec\.colour|unknown field/);
  });
});
