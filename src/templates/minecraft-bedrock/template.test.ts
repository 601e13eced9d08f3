import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1ConfigMap, V1Container, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import { formatProblem, validate, type FieldProblem } from "../../api/validate.ts";
import { render, type RenderRoot } from "../../resources/render.ts";
import { minecraftBedrock } from "./template.ts";
import { minecraftBedrockImage, type MinecraftBedrockParams } from "./params.ts";

const root: RenderRoot = {
  apiVersion: "stackwarden.dev/v1alpha1",
  kind: "Stack",
  name: "pocket",
  namespace: "games",
  uid: "2222-3333",
  generation: 2,
};

function check(
  params: unknown,
): { ok: true; value: MinecraftBedrockParams } | { ok: false; problems: string[] } {
  const result = validate(minecraftBedrock.params, params);
  if (!result.ok) return { ok: false, problems: result.problems.map(formatProblem) };
  const value = result.value as MinecraftBedrockParams;
  const rules: readonly FieldProblem[] = minecraftBedrock.validate?.(value) ?? [];
  return rules.length > 0 ? { ok: false, problems: rules.map(formatProblem) } : { ok: true, value };
}

function params(overrides: Record<string, unknown> = {}): MinecraftBedrockParams {
  const result = check({ eula: true, ...overrides });
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}

function find(p: MinecraftBedrockParams, kind: "ConfigMap"): V1ConfigMap;
function find(p: MinecraftBedrockParams, kind: "StatefulSet"): V1StatefulSet;
function find(p: MinecraftBedrockParams, kind: "Service"): V1Service;
function find(p: MinecraftBedrockParams, kind: string): unknown {
  const o = render(minecraftBedrock, root, p).objects.find((x) => x.kind === kind);
  assert.ok(o, `no ${kind}`);
  return o;
}
function server(p: MinecraftBedrockParams): V1Container {
  const c = find(p, "StatefulSet").spec?.template.spec?.containers[0];
  assert.ok(c);
  return c;
}

describe("minecraft-bedrock parameters", () => {
  it("applies the defaults", () => {
    assert.deepEqual(params(), {
      eula: true,
      version: "LATEST",
      gamemode: "survival",
      difficulty: "easy",
      serverName: "Dedicated Server",
      memory: "1G",
      maxPlayers: 10,
      onlineMode: true,
      allowList: [],
      serviceType: "ClusterIP",
      storage: "5Gi",
    });
  });

  const rejected: Array<{ name: string; params: unknown; problem: string }> = [
    {
      name: "no EULA",
      params: {},
      problem:
        "/eula: you must accept the Minecraft EULA (https://aka.ms/MinecraftEULA) by setting eula: true",
    },
    {
      name: "memory above the guardrail",
      params: { eula: true, memory: "32G" },
      problem: "/memory: must be between 512M and 16G",
    },
    {
      name: "maxPlayers 0",
      params: { eula: true, maxPlayers: 0 },
      problem: "/maxPlayers: must be at least 1",
    },
    {
      name: "bad gamemode",
      params: { eula: true, gamemode: "spectator" },
      problem: "/gamemode: must be one of survival, creative, adventure",
    },
    { name: "bad version", params: { eula: true, version: "1.x" }, problem: "/version: must match" },
    { name: "unknown parameter", params: { eula: true, rcon: true }, problem: '/rcon: unknown field "rcon"' },
    {
      name: "allow list entry with a comma",
      params: { eula: true, allowList: ["a,b"] },
      problem: "/allowList/0: must match",
    },
  ];
  for (const c of rejected) {
    it(`rejects ${c.name}`, () => {
      const result = check(c.params);
      assert.ok(!result.ok && result.problems.some((p) => p.startsWith(c.problem)), JSON.stringify(result));
    });
  }

  const accepted: Array<Record<string, unknown>> = [
    { version: "1.21.50.07" },
    { version: "PREVIEW" },
    { allowList: ["Steve", "Alex Smith:2535416000000000"] },
    { memory: "512M" },
  ];
  for (const overrides of accepted) {
    it(`accepts ${JSON.stringify(overrides)}`, () => assert.ok(check({ eula: true, ...overrides }).ok));
  }
});

describe("minecraft-bedrock rendering", () => {
  it("is deterministic", () => {
    const p = params({ allowList: ["Steve"] });
    assert.deepEqual(render(minecraftBedrock, root, p), render(minecraftBedrock, root, p));
  });

  it("puts the settings in the ConfigMap", () => {
    assert.deepEqual(find(params({ allowList: ["Steve", "Alex"], gamemode: "creative" }), "ConfigMap").data, {
      EULA: "TRUE",
      VERSION: "LATEST",
      GAMEMODE: "creative",
      DIFFICULTY: "easy",
      SERVER_NAME: "Dedicated Server",
      MAX_PLAYERS: "10",
      ONLINE_MODE: "true",
      ALLOW_LIST: "true",
      ALLOW_LIST_USERS: "Steve,Alex",
    });
  });

  it("runs one non-root replica with /data on a claim, probes, 19132/UDP and no secret", () => {
    const sts = find(params(), "StatefulSet");
    assert.equal(sts.spec?.replicas, 1);
    assert.deepEqual(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources, { requests: { storage: "5Gi" } });
    const c = server(params());
    assert.deepEqual(c.volumeMounts, [{ name: "data", mountPath: "/data" }]);
    assert.equal(sts.spec?.template.spec?.securityContext?.runAsNonRoot, true);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      assert.deepEqual(probe?.exec?.command?.slice(0, 2), ["mc-monitor", "status-bedrock"]);
    }
    assert.deepEqual(c.ports, [{ name: "bedrock", containerPort: 19132, protocol: "UDP" }]);
    assert.equal(c.env, undefined);
    assert.deepEqual(c.resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "1Gi" } });
    assert.equal(c.image, minecraftBedrockImage);
    assert.deepEqual(minecraftBedrock.generatedSecrets, []);
  });

  it("exposes 19132/UDP on the Service", () => {
    const svc = find(params({ serviceType: "NodePort" }), "Service");
    assert.equal(svc.spec?.type, "NodePort");
    assert.deepEqual(svc.spec?.ports, [
      { name: "bedrock", port: 19132, targetPort: "bedrock", protocol: "UDP" },
    ]);
  });

  it("replaces the image when overridden", () => {
    const image = "itzg/minecraft-bedrock-server:never-ready";
    assert.equal(server(params({ image })).image, image);
  });

  it("treats version and image as upgrade fields and keeps storage fixed", () => {
    assert.deepEqual(minecraftBedrock.upgrade.fields, ["/version", "/image"]);
    assert.deepEqual(minecraftBedrock.guardrails.immutable, ["/storage"]);
    assert.deepEqual(minecraftBedrock.data, { components: ["server"] });
  });
});
