import { describe, it } from "node:test";
import { load } from "js-yaml";
import assert from "node:assert/strict";
import {
  ObservabilityPlatformSpecSchema,
  ObservabilityPlatformSpecV1beta1Schema,
  type ObservabilityPlatformSpec,
} from "../../api/observability-platform.ts";
import { validate } from "../../api/validate.ts";
import { render } from "../../resources/render.ts";
import { observabilityPlatform, validateObservabilityPlatform } from "./template.ts";

const root = {
  apiVersion: "observability.io/v1alpha1",
  kind: "ObservabilityPlatform",
  name: "p",
  namespace: "mon",
  uid: "u1",
  generation: 1,
};
const spec = (value: unknown): ObservabilityPlatformSpec => {
  const v = validate(ObservabilityPlatformSpecSchema, value);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.value;
};
const full = spec({
  components: {
    prometheus: {
      version: "v2.48.0",
      storage: { size: "1024Mi" },
      resources: { requests: { cpu: "0.5", memory: "2048Mi" } },
      remoteWrite: [{ url: "http://remote/api/v1/write" }],
    },
    loki: { version: "2.9.0" },
    tempo: { version: "2.3.1" },
    grafana: { version: "10.2.0", adminPassword: "hunter2-secret" },
    opentelemetryCollector: {},
  },
  alerting: {
    alertmanager: {},
    rules: [{ name: "r", groups: [{ name: "g", rules: [{ alert: "Down", expr: "up == 0" }] }] }],
  },
  highAvailability: { antiAffinity: { type: "hard", topologyKey: "topology.kubernetes.io/zone" } },
});
const kinds = (s: ObservabilityPlatformSpec): string[] =>
  render(observabilityPlatform, root, s).objects.map((o) => `${o.kind}/${o.metadata.name}`);

type Pod = {
  containers: Array<{ resources: unknown; securityContext: { allowPrivilegeEscalation: boolean } }>;
  affinity: {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: Array<{ topologyKey: string }> };
  };
  securityContext: { runAsNonRoot: boolean };
};

describe("observability-platform template", () => {
  it("renders components in the design's order", () => {
    const r = render(observabilityPlatform, root, full);
    assert.deepEqual(
      r.components.map((c) => c.name),
      ["prometheus", "loki", "tempo", "grafana", "collector", "alertmanager"],
    );
    assert.deepEqual(
      kinds(full).filter((k) => /^(StatefulSet|Deployment)\//.test(k)),
      [
        "StatefulSet/p-prometheus",
        "StatefulSet/p-loki",
        "StatefulSet/p-tempo",
        "Deployment/p-grafana",
        "Deployment/p-collector",
        "StatefulSet/p-alertmanager",
      ],
    );
  });

  for (const [name, s, absent] of [
    [
      "prometheus only",
      spec({ components: { prometheus: { version: "v2.48.0" } } }),
      ["p-loki", "p-grafana", "p-tempo", "p-alertmanager"],
    ],
    [
      "loki disabled",
      spec({
        components: { prometheus: { version: "v2.48.0" }, loki: { enabled: false, version: "2.9.0" } },
      }),
      ["p-loki"],
    ],
    [
      "grafana disabled",
      spec({ components: { grafana: { enabled: false, version: "10.2.0" }, tempo: { version: "2.3.1" } } }),
      ["p-grafana", "p-prometheus"],
    ],
  ] as const) {
    it(`renders nothing for disabled components: ${name}`, () => {
      const names = kinds(s);
      for (const a of absent)
        assert.ok(!names.some((n) => n.endsWith(`/${a}`)), `${a} in ${names.join(", ")}`);
    });
  }

  it("points Grafana's data sources at the platform's own Services", () => {
    const cm = render(observabilityPlatform, root, full).objects.find(
      (o) => o.metadata.name === "p-grafana-config",
    ) as unknown as { data: Record<string, string> };
    const ds = JSON.parse(cm.data["datasources.yaml"] ?? "") as {
      datasources: Array<{ name: string; url: string; isDefault: boolean }>;
    };
    assert.deepEqual(
      ds.datasources.map((d) => [d.name, d.url, d.isDefault]),
      [
        ["Prometheus", "http://p-prometheus.mon.svc.cluster.local:9090", true],
        ["Loki", "http://p-loki.mon.svc.cluster.local:3100", false],
        ["Tempo", "http://p-tempo.mon.svc.cluster.local:3200", false],
      ],
    );
  });

  it("keeps the admin password in a Secret and out of every ConfigMap and pod template", () => {
    const objects = render(observabilityPlatform, root, full).objects;
    const secret = objects.find(
      (o) => o.kind === "Secret" && o.metadata.name === "p-grafana-admin",
    ) as unknown as { data: Record<string, string> };
    assert.equal(Buffer.from(secret.data["admin-password"] ?? "", "base64").toString(), "hunter2-secret");
    for (const o of objects.filter((x) => x.kind !== "Secret"))
      assert.ok(!JSON.stringify(o).includes("hunter2"), `${o.kind}/${o.metadata.name}`);
    const generated = render(
      observabilityPlatform,
      root,
      spec({ components: { grafana: { version: "10.2.0" } } }),
    ).objects;
    assert.ok(
      !generated.some((o) => o.kind === "Secret"),
      "without a password the operator's generated Secret is used",
    );
    assert.match(
      JSON.stringify(generated),
      /"secretKeyRef":\{"name":"p-grafana-admin","key":"admin-password"\}/,
    );
  });

  it("writes canonical quantities, HA replicas and hard anti-affinity, non-root pods", () => {
    const sts = render(observabilityPlatform, root, full).objects.find(
      (o) => o.metadata.name === "p-prometheus",
    ) as unknown as {
      spec: {
        replicas: number;
        volumeClaimTemplates: Array<{ spec: { resources: { requests: { storage: string } } } }>;
        template: { spec: Pod };
      };
    };
    assert.equal(sts.spec.replicas, 2);
    assert.equal(sts.spec.volumeClaimTemplates[0]?.spec.resources.requests.storage, "1Gi");
    const pod = sts.spec.template.spec;
    assert.deepEqual(pod.containers[0]?.resources, { requests: { cpu: "500m", memory: "2Gi" } });
    assert.equal(
      pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]?.topologyKey,
      "topology.kubernetes.io/zone",
    );
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.containers[0]?.securityContext.allowPrivilegeEscalation, false);
  });

  it("writes retention and remote write into Prometheus's config", () => {
    const objects = render(observabilityPlatform, root, full).objects;
    const cm = objects.find((o) => o.metadata.name === "p-prometheus-config") as unknown as {
      data: Record<string, string>;
    };
    const config = load(cm.data["prometheus.yml"] ?? "") as {
      remote_write: Array<{ url: string }>;
      alerting: unknown;
    };
    assert.equal(config.remote_write[0]?.url, "http://remote/api/v1/write");
    assert.ok(config.alerting, "alertmanager is wired");
    assert.match(cm.data["rules.yml"] ?? "", /up == 0/);
    assert.match(
      JSON.stringify(objects.find((o) => o.metadata.name === "p-prometheus")),
      /--storage.tsdb.retention.time=30d/,
    );
  });

  it("applies each version's defaults", () => {
    const alpha = validate(ObservabilityPlatformSpecSchema, { components: { loki: { version: "2.9.0" } } });
    assert.ok(
      alpha.ok &&
        alpha.value.components.loki?.enabled === true &&
        alpha.value.components.loki.retention === "7d",
    );
    assert.ok(
      !validate(ObservabilityPlatformSpecSchema, { components: { prometheus: {} } }).ok,
      "v1alpha1 requires a version",
    );
    const beta = validate(ObservabilityPlatformSpecV1beta1Schema, {
      components: { prometheus: {}, grafana: {}, loki: {}, tempo: { version: "2.3.1" } },
      alerting: { alertmanager: {} },
    });
    assert.ok(beta.ok);
    const c = beta.value.components;
    assert.deepEqual(
      [
        c.prometheus?.version,
        c.grafana?.version,
        c.grafana?.adminUser,
        c.loki?.version,
        c.loki?.enabled,
        c.tempo?.enabled,
        beta.value.alerting?.alertmanager?.version,
      ],
      ["v2.48.0", "10.2.0", "admin", "2.9.0", true, true, "v0.26.0"],
    );
  });

  for (const [name, value, path] of [
    [
      "bad Prometheus version",
      { components: { prometheus: { version: "latest" } } },
      "/components/prometheus/version",
    ],
    [
      "bad Grafana version",
      { components: { grafana: { version: "v10.2.0" } } },
      "/components/grafana/version",
    ],
    [
      "bad retention",
      { components: { prometheus: { version: "1.0.0", retention: "30 days" } } },
      "/components/prometheus/retention",
    ],
    [
      "unknown field",
      { components: { prometheus: { version: "1.0.0", colour: "red" } } },
      "/components/prometheus/colour",
    ],
    ["HA below 2", { components: {}, highAvailability: { minReplicas: 1 } }, "/highAvailability/minReplicas"],
    [
      "ingress without host",
      { components: { grafana: { version: "1.0.0", ingress: {} } } },
      "/components/grafana/ingress/host",
    ],
  ] as const) {
    it(`refuses ${name} at ${path}`, () => {
      const v = validate(ObservabilityPlatformSpecSchema, value);
      assert.ok(!v.ok && v.problems.some((p) => p.path === path), JSON.stringify(v));
    });
  }

  it("refuses a platform with no component enabled, at /components", () => {
    assert.deepEqual(
      validateObservabilityPlatform(spec({ components: {} })).map((p) => p.path),
      ["/components"],
    );
    assert.deepEqual(
      validateObservabilityPlatform(spec({ components: { loki: { enabled: false, version: "2.9.0" } } })).map(
        (p) => p.path,
      ),
      ["/components"],
    );
    assert.deepEqual(validateObservabilityPlatform(full), []);
  });
});
