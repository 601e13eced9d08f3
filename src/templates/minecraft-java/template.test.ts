import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatProblem, validate, type FieldProblem } from "../../api/validate.ts";
import type { V1ConfigMap, V1Container, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import { render, type RenderRoot } from "../../resources/render.ts";
import { containerMebibytes, isDowngrade, minecraftJava } from "./template.ts";
import { minecraftJavaImage, type MinecraftJavaParams } from "./params.ts";

const root: RenderRoot = {
  apiVersion: "stackwarden.dev/v1alpha1",
  kind: "Stack",
  name: "survival",
  namespace: "games",
  uid: "0000-1111",
  generation: 1,
};

/** Schema validation and the template's own rules, as the operator runs them. */
function check(
  params: unknown,
): { ok: true; value: MinecraftJavaParams } | { ok: false; problems: string[] } {
  const result = validate(minecraftJava.params, params);
  if (!result.ok) return { ok: false, problems: result.problems.map(formatProblem) };
  const value = result.value as MinecraftJavaParams;
  const rules: readonly FieldProblem[] = minecraftJava.validate?.(value) ?? [];
  return rules.length > 0 ? { ok: false, problems: rules.map(formatProblem) } : { ok: true, value };
}

function params(overrides: Record<string, unknown> = {}): MinecraftJavaParams {
  const result = check({ eula: true, ...overrides });
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}

const objects = (p: MinecraftJavaParams): unknown[] => render(minecraftJava, root, p).objects;
function find(p: MinecraftJavaParams, kind: "ConfigMap"): V1ConfigMap;
function find(p: MinecraftJavaParams, kind: "StatefulSet"): V1StatefulSet;
function find(p: MinecraftJavaParams, kind: "Service"): V1Service;
function find(p: MinecraftJavaParams, kind: string): unknown {
  const o = render(minecraftJava, root, p).objects.find((x) => x.kind === kind);
  assert.ok(o, `no ${kind}`);
  return o;
}
/** The server container of the StatefulSet. */
function server(p: MinecraftJavaParams): V1Container {
  const c = find(p, "StatefulSet").spec?.template.spec?.containers[0];
  assert.ok(c);
  return c;
}

describe("minecraft-java parameters", () => {
  it("applies the defaults", () => {
    assert.deepEqual(params(), {
      eula: true,
      type: "VANILLA",
      version: "LATEST",
      memory: "2G",
      difficulty: "easy",
      maxPlayers: 20,
      onlineMode: true,
      ops: [],
      whitelist: [],
      serviceType: "ClusterIP",
      storage: "10Gi",
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
      name: "EULA false",
      params: { eula: false },
      problem:
        "/eula: you must accept the Minecraft EULA (https://aka.ms/MinecraftEULA) by setting eula: true",
    },
    {
      name: "memory above the guardrail",
      params: { eula: true, memory: "32G" },
      problem: "/memory: must be between 512M and 16G (got 32G)",
    },
    {
      name: "memory below the guardrail",
      params: { eula: true, memory: "256M" },
      problem: "/memory: must be between 512M and 16G (got 256M)",
    },
    {
      name: "memory not a size",
      params: { eula: true, memory: "2GB" },
      problem: "/memory: must match ^\\d+[MG]$",
    },
    {
      name: "maxPlayers 0",
      params: { eula: true, maxPlayers: 0 },
      problem: "/maxPlayers: must be at least 1",
    },
    {
      name: "maxPlayers 501",
      params: { eula: true, maxPlayers: 501 },
      problem: "/maxPlayers: must be at most 500",
    },
    {
      name: "unknown type",
      params: { eula: true, type: "BUKKIT" },
      problem: "/type: must be one of VANILLA, PAPER, FABRIC, FORGE, SPIGOT, PURPUR",
    },
    {
      name: "bad difficulty",
      params: { eula: true, difficulty: "insane" },
      problem: "/difficulty: must be one of peaceful, easy, normal, hard",
    },
    {
      name: "bad version",
      params: { eula: true, version: "latest" },
      problem: "/version: must match ^(LATEST|SNAPSHOT|\\d+\\.\\d+(\\.\\d+)?)$",
    },
    {
      name: "motd too long",
      params: { eula: true, motd: "x".repeat(60) },
      problem: "/motd: must be at most 59 characters",
    },
    {
      name: "bad service type",
      params: { eula: true, serviceType: "ExternalName" },
      problem: "/serviceType: must be one of ClusterIP, NodePort, LoadBalancer",
    },
    {
      name: "bad storage",
      params: { eula: true, storage: "10GB" },
      problem: "/storage: must match ^\\d+(Mi|Gi|Ti)$",
    },
    { name: "op with a comma", params: { eula: true, ops: ["a,b"] }, problem: "/ops/0: must match" },
    {
      name: "unknown parameter",
      params: { eula: true, hardcore: true },
      problem: '/hardcore: unknown field "hardcore"',
    },
    {
      name: "memory in resources",
      params: { eula: true, resources: { requests: { memory: "1Gi" } } },
      problem: '/resources/requests/memory: unknown field "memory"',
    },
    {
      name: "bad cpu",
      params: { eula: true, resources: { limits: { cpu: "two" } } },
      problem: "/resources/limits/cpu: must match",
    },
  ];
  for (const c of rejected) {
    it(`rejects ${c.name}`, () => {
      const result = check(c.params);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.problems.some((p) => p.startsWith(c.problem)), JSON.stringify(result));
    });
  }

  const accepted: Array<Record<string, unknown>> = [
    { memory: "512M" },
    { memory: "16G" },
    { version: "1.21.4" },
    { version: "26.1" },
    { version: "SNAPSHOT" },
    { ops: ["Notch", "069a79f4-44e9-4726-a5be-fca90e38aaf5"] },
    { image: "itzg/minecraft-server:never-ready" },
    { existingRconSecret: "my-rcon" },
    { resources: { requests: { cpu: "0.5" }, limits: { cpu: "2" } } },
  ];
  for (const overrides of accepted) {
    it(`accepts ${JSON.stringify(overrides)}`, () => assert.ok(check({ eula: true, ...overrides }).ok));
  }
});

describe("minecraft-java rendering", () => {
  it("is deterministic", () => {
    const p = params({ ops: ["Notch"], motd: "hi" });
    assert.deepEqual(render(minecraftJava, root, p), render(minecraftJava, root, p));
  });

  it("renders config → server → service", () => {
    const out = render(minecraftJava, root, params());
    assert.deepEqual(
      out.components.map((c) => [c.name, c.objects.map((o) => `${o.kind}/${o.metadata.name}`)]),
      [
        ["config", ["ConfigMap/survival-config"]],
        ["server", ["StatefulSet/survival"]],
        ["service", ["Service/survival"]],
      ],
    );
  });

  it("puts the non-secret settings in the ConfigMap", () => {
    const cm = find(
      params({ motd: "Welcome", ops: ["Notch", "jeb_"], whitelist: ["Notch"], maxPlayers: 8 }),
      "ConfigMap",
    );
    assert.deepEqual(cm.data, {
      EULA: "TRUE",
      TYPE: "VANILLA",
      VERSION: "LATEST",
      MEMORY: "2G",
      DIFFICULTY: "easy",
      MAX_PLAYERS: "8",
      ONLINE_MODE: "true",
      ENABLE_RCON: "true",
      RCON_PORT: "25575",
      MOTD: "Welcome",
      OPS: "Notch,jeb_",
      WHITELIST: "Notch",
    });
  });

  it("runs one replica with /data on a volume claim", () => {
    const sts = find(params(), "StatefulSet");
    assert.equal(sts.spec?.replicas, 1);
    assert.equal(sts.spec?.serviceName, "survival");
    const claim = sts.spec?.volumeClaimTemplates?.[0];
    assert.equal(claim?.metadata?.name, "data");
    assert.deepEqual(claim?.spec?.resources, { requests: { storage: "10Gi" } });
    assert.deepEqual(server(params()).volumeMounts, [{ name: "data", mountPath: "/data" }]);
  });

  it("runs as non-root under the restricted Pod Security level", () => {
    const pod = find(params(), "StatefulSet").spec?.template.spec;
    assert.deepEqual(pod?.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(pod?.terminationGracePeriodSeconds, 60);
    const sc = server(params()).securityContext;
    assert.equal(sc?.allowPrivilegeEscalation, false);
    assert.deepEqual(sc?.capabilities, { drop: ["ALL"] });
  });

  it("probes the server with mc-health", () => {
    const c = server(params());
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      assert.deepEqual(probe?.exec, { command: ["mc-health"] });
    }
    assert.ok((c.startupProbe?.periodSeconds ?? 0) * (c.startupProbe?.failureThreshold ?? 0) >= 300);
  });

  it("takes the RCON password from the Secret by reference and opens the ports", () => {
    const c = server(params());
    assert.deepEqual(c.env, [
      { name: "RCON_PASSWORD", valueFrom: { secretKeyRef: { name: "survival-rcon", key: "rcon-password" } } },
    ]);
    assert.deepEqual(c.envFrom, [{ configMapRef: { name: "survival-config" } }]);
    assert.deepEqual(c.ports, [
      { name: "minecraft", containerPort: 25565, protocol: "TCP" },
      { name: "rcon", containerPort: 25575, protocol: "TCP" },
    ]);
    assert.equal(c.image, minecraftJavaImage);
  });

  it("holds no password in any rendered object", () => {
    const rendered = objects(params());
    assert.ok(!rendered.some((o) => (o as { kind?: string }).kind === "Secret"));
    assert.ok(!JSON.stringify(rendered).includes('"RCON_PASSWORD","value":'));
    assert.deepEqual(minecraftJava.generatedSecrets, [{ name: "rcon", keys: ["rcon-password"], length: 24 }]);
  });

  const memory: Array<[heap: string, quantity: string, mebibytes: number]> = [
    ["2G", "2560Mi", 2560],
    ["512M", "1Gi", 1024],
    ["4G", "5Gi", 5120],
    ["1536M", "2Gi", 2048],
    ["16G", "20Gi", 20480],
  ];
  for (const [heap, quantity, mebibytes] of memory) {
    it(`gives a ${heap} heap ${quantity} of memory, in canonical form`, () => {
      assert.equal(containerMebibytes(heap), mebibytes);
      assert.deepEqual(server(params({ memory: heap })).resources, {
        requests: { cpu: "250m", memory: quantity },
        limits: { memory: quantity },
      });
    });
  }

  it("sets CPU in canonical form", () => {
    assert.deepEqual(
      server(params({ resources: { requests: { cpu: "0.5" }, limits: { cpu: "2000m" } } })).resources,
      {
        requests: { cpu: "500m", memory: "2560Mi" },
        limits: { cpu: "2", memory: "2560Mi" },
      },
    );
  });

  it("writes storage as the API server prints it", () => {
    const claim = find(params({ storage: "2048Mi" }), "StatefulSet").spec?.volumeClaimTemplates?.[0];
    assert.deepEqual(claim?.spec?.resources?.requests, { storage: "2Gi" });
  });

  it("exposes 25565/TCP and not RCON on the Service", () => {
    const svc = find(params({ serviceType: "LoadBalancer" }), "Service");
    assert.equal(svc.spec?.type, "LoadBalancer");
    assert.deepEqual(svc.spec?.ports, [
      { name: "minecraft", port: 25565, targetPort: "minecraft", protocol: "TCP" },
    ]);
    assert.deepEqual(svc.spec?.selector, find(params(), "StatefulSet").spec?.selector.matchLabels);
  });

  it("replaces the image when overridden", () => {
    assert.equal(
      server(params({ image: "itzg/minecraft-server:never-ready" })).image,
      "itzg/minecraft-server:never-ready",
    );
  });

  it("rolls the pod when a setting changes, not when nothing does", () => {
    const hash = (p: MinecraftJavaParams): string | undefined =>
      find(p, "StatefulSet").spec?.template.metadata?.annotations?.["stackwarden.dev/config-hash"];
    assert.ok(hash(params()));
    assert.equal(hash(params()), hash(params()));
    assert.notEqual(hash(params()), hash(params({ maxPlayers: 21 })));
  });

  it("uses the owner's RCON Secret when named, and waits for it", () => {
    const p = params({ existingRconSecret: "owner-rcon" });
    assert.equal(server(p).env?.[0]?.valueFrom?.secretKeyRef?.name, "owner-rcon");
    assert.deepEqual(minecraftJava.prerequisites(p), [
      { kind: "Secret", name: "owner-rcon", field: "/existingRconSecret" },
    ]);
    assert.deepEqual(minecraftJava.prerequisites(params()), []);
  });
});

describe("minecraft-java upgrades and guardrails", () => {
  it("treats version, type and image as upgrade fields", () => {
    assert.deepEqual(minecraftJava.upgrade.fields, ["/version", "/type", "/image"]);
  });

  it("keeps storage fixed and the world's volume as data", () => {
    assert.deepEqual(minecraftJava.guardrails.immutable, ["/storage"]);
    assert.deepEqual(minecraftJava.data, { components: ["server"] });
  });

  const paths: Array<{ from: string; to: string; refused: boolean }> = [
    { from: "1.20.1", to: "1.21.4", refused: false },
    { from: "1.21.4", to: "1.21.4", refused: false },
    { from: "1.21.4", to: "1.20.1", refused: true },
    { from: "1.21", to: "1.20.6", refused: true },
    { from: "LATEST", to: "1.20.1", refused: false },
    { from: "1.21.4", to: "LATEST", refused: false },
    { from: "1.21.10", to: "26.1", refused: false },
  ];
  for (const c of paths) {
    it(`upgrade ${c.from} → ${c.to} is ${c.refused ? "refused" : "allowed"}`, () => {
      assert.equal(isDowngrade(c.from, c.to), c.refused);
      const refusal = minecraftJava.upgrade.allowed?.(params({ version: c.from }), params({ version: c.to }));
      assert.equal(refusal !== undefined, c.refused);
    });
  }
});
