import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { load } from "js-yaml";
import {
  ObservabilityPlatformSpecSchema,
  ObservabilityPlatformSpecV1beta1Schema,
  type ObservabilityPlatformSpec,
} from "../../api/observability-platform.ts";
import type { KubeObject } from "../../api/object.ts";
import { validate } from "../../api/validate.ts";
import { render } from "../../resources/render.ts";
import { observabilityPlatform } from "./template.ts";

const root = {
  apiVersion: "observability.io/v1beta1",
  kind: "ObservabilityPlatform",
  name: "p",
  namespace: "mon",
  uid: "u1",
  generation: 1,
};
const beta = (value: unknown): ObservabilityPlatformSpec => {
  const v = validate(ObservabilityPlatformSpecV1beta1Schema, value);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.value;
};
const objects = (s: ObservabilityPlatformSpec): KubeObject[] =>
  render(observabilityPlatform, root, s).objects;
const find = (all: KubeObject[], kind: string, name: string): KubeObject => {
  const o = all.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} in ${all.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o;
};
/** The value at a dotted path (`spec.template.spec.containers.0.image`), or undefined. */
const at = (value: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined),
      value,
    );
/** A file of a rendered ConfigMap. */
const file = (all: KubeObject[], configMap: string, key: string): string =>
  (at(find(all, "ConfigMap", configMap), "data") as Record<string, string>)[key] ?? "";
/** A rendered config file, parsed. */
const parsed = (all: KubeObject[], configMap: string, key: string): unknown =>
  load(file(all, configMap, key));
type Pod = {
  containers: Array<{ env?: Array<{ name: string; value?: string }> }>;
  volumes: Array<{ secret?: { secretName: string } }>;
};
const pod = (o: KubeObject): Pod => at(o, "spec.template.spec") as Pod;

const production = beta({
  global: {
    imagePullSecrets: [{ name: "regcred" }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
    externalLabels: { cluster: "prod" },
  },
  nodeSelector: { pool: "observability" },
  security: { tls: { enabled: true, certSecret: "grafana-cert" } },
  highAvailability: { enabled: false },
  components: {
    prometheus: {
      externalLabels: { cluster: "prod-eu", team: "sre" },
      storage: {
        size: "50Gi",
        volumeClaimTemplate: { spec: { storageClassName: "fast", volumeMode: "Filesystem" } },
      },
    },
    loki: { version: "v2.9.0", replicas: 3, compactorEnabled: false },
    tempo: {
      version: "2.3.1",
      replicas: 2,
      s3: {
        enabled: true,
        bucketName: "traces",
        region: "eu-west-1",
        accessKeyId: "AKIA",
        secretAccessKey: "tempo-s3cr3t",
      },
    },
    grafana: {
      plugins: ["grafana-piechart-panel", "grafana-clock-panel"],
      smtp: {
        host: "smtp.example.org",
        port: 587,
        from: "grafana@example.org",
        user: "g",
        password: "smtp-s3cr3t",
      },
    },
    openTelemetryCollector: { version: "0.91.0" },
  },
});

describe("v1beta1 fields reach the children", () => {
  it("accepts Loki v2.9.0 (tagging the image without the v)", () => {
    assert.equal(
      at(find(objects(production), "StatefulSet", "p-loki"), "spec.template.spec.containers.0.image"),
      "grafana/loki:2.9.0",
    );
    const alpha = validate(ObservabilityPlatformSpecSchema, { components: { loki: { version: "v2.9.0" } } });
    assert.ok(
      alpha.ok,
      "v1alpha1 accepts it too: an object written in v1beta1 must read back valid in v1alpha1",
    );
  });

  it("scales Loki and Tempo over a memberlist ring, and turns retention off with the compactor", () => {
    const all = objects(production);
    assert.equal(at(find(all, "StatefulSet", "p-loki"), "spec.replicas"), 3);
    assert.equal(at(find(all, "StatefulSet", "p-tempo"), "spec.replicas"), 2);
    assert.equal(at(find(all, "Service", "p-loki-memberlist"), "spec.clusterIP"), "None");
    const loki = parsed(all, "p-loki-config", "loki.yaml");
    assert.equal(at(loki, "common.replication_factor"), 3);
    assert.equal(at(loki, "common.ring.kvstore.store"), "memberlist");
    assert.deepEqual(at(loki, "memberlist.join_members"), [
      "dns+p-loki-memberlist.mon.svc.cluster.local:7946",
    ]);
    assert.equal(at(loki, "compactor.retention_enabled"), false);
    assert.equal(at(loki, "limits_config.retention_period"), "168h");
  });

  it("stores Tempo's traces in S3 with the keys in a Secret, never in the ConfigMap", () => {
    const all = objects(production);
    const tempo = parsed(all, "p-tempo-config", "tempo.yaml");
    assert.equal(at(tempo, "storage.trace.backend"), "s3");
    assert.equal(at(tempo, "storage.trace.s3.bucket"), "traces");
    const secret = find(all, "Secret", "p-tempo-s3");
    assert.equal(
      Buffer.from(String(at(secret, "data.AWS_SECRET_ACCESS_KEY")), "base64").toString(),
      "tempo-s3cr3t",
    );
    for (const o of all.filter((x) => x.kind !== "Secret"))
      assert.ok(!JSON.stringify(o).includes("s3cr3t"), `${o.kind}/${o.metadata.name} holds a secret`);
  });

  it("merges external labels (the component's win) and keeps the owner's claim settings", () => {
    const all = objects(production);
    const prom = parsed(all, "p-prometheus-config", "prometheus.yml");
    assert.deepEqual(at(prom, "global.external_labels"), { cluster: "prod-eu", team: "sre" });
    const claim = at(find(all, "StatefulSet", "p-prometheus"), "spec.volumeClaimTemplates.0.spec");
    assert.deepEqual(
      [at(claim, "storageClassName"), at(claim, "volumeMode"), at(claim, "resources.requests.storage")],
      ["fast", "Filesystem", "50Gi"],
    );
  });

  it("puts pull secrets, affinity and the platform's node selector on every pod", () => {
    for (const o of objects(production).filter((x) => x.kind === "StatefulSet" || x.kind === "Deployment")) {
      const spec = at(o, "spec.template.spec");
      assert.deepEqual(at(spec, "imagePullSecrets"), [{ name: "regcred" }], o.metadata.name);
      assert.ok(at(spec, "affinity.nodeAffinity"), o.metadata.name);
      assert.deepEqual(at(spec, "nodeSelector"), { pool: "observability" }, o.metadata.name);
    }
  });

  it("installs Grafana's plugins, sends mail through SMTP and serves HTTPS from the certificate Secret", () => {
    const all = objects(production);
    const grafana = pod(find(all, "Deployment", "p-grafana"));
    const env = grafana.containers[0]?.env ?? [];
    assert.equal(
      env.find((e) => e.name === "GF_INSTALL_PLUGINS")?.value,
      "grafana-piechart-panel,grafana-clock-panel",
    );
    assert.ok(env.some((e) => e.name === "GF_SMTP_PASSWORD"));
    const ini = file(all, "p-grafana-config", "grafana.ini");
    assert.match(ini, /\[smtp\]\nenabled = true\nhost = smtp.example.org:587/);
    assert.match(ini, /protocol = https/);
    assert.ok(!ini.includes("smtp-s3cr3t"));
    assert.equal(at(grafana.containers[0], "readinessProbe.httpGet.scheme"), "HTTPS");
    assert.ok(grafana.volumes.some((v) => v.secret?.secretName === "grafana-cert"));
  });

  it("renders the collector from either spelling, and a NetworkPolicy per component (v1beta1's default)", () => {
    const all = objects(production);
    find(all, "Deployment", "p-collector");
    const policies = all.filter((o) => o.kind === "NetworkPolicy").map((o) => o.metadata.name);
    assert.deepEqual(policies.sort(), ["p-collector", "p-grafana", "p-loki", "p-prometheus", "p-tempo"]);
    const alpha = validate(ObservabilityPlatformSpecSchema, {
      components: { prometheus: { version: "v2.48.0" } },
      security: {},
    });
    assert.ok(alpha.ok);
    assert.ok(!objects(alpha.value).some((o) => o.kind === "NetworkPolicy"), "v1alpha1 keeps them off");
  });

  it("configures sign-in: LDAP with the bind password from the environment, OIDC with its client secret", () => {
    const s = beta({
      components: { grafana: {} },
      security: {
        authentication: {
          type: "oidc",
          oidc: { issuer: "https://id.example.org/", clientId: "grafana", clientSecret: "oidc-s3cr3t" },
          ldap: { host: "ldap", bindDn: "cn=admin", bindPassword: "x", userBaseDn: "dc=example" },
        },
      },
    });
    const all = objects(s);
    const ini = file(all, "p-grafana-config", "grafana.ini");
    assert.match(
      ini,
      /\[auth.generic_oauth\][^[]*client_id = grafana[^[]*auth_url = https:\/\/id.example.org\/authorize/,
    );
    assert.ok(!ini.includes("[auth.ldap]"), "type: oidc picks OIDC only");
    const secret = find(all, "Secret", "p-grafana-settings");
    assert.deepEqual(Object.keys(at(secret, "data") as object), ["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET"]);
  });
});
