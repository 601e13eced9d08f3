/**
 * The configuration files the platform renders, checked by the programs that
 * read them: every `prometheus.yml` by `promtool check config`, every rules
 * file by `promtool check rules`, every `alertmanager.yml` by
 * `amtool check-config`. The tools are built from their Go modules and cached
 * (src/sandbox/go-tool.ts); the specs are a matrix over the fields that reach
 * those files, in both served versions.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dump, load } from "js-yaml";
import {
  ObservabilityPlatformSpecSchema,
  ObservabilityPlatformSpecV1beta1Schema,
  type ObservabilityPlatformSpec,
} from "../../api/observability-platform.ts";
import { validate } from "../../api/validate.ts";
import { render } from "../../resources/render.ts";
import { ensureGoTool, goTools } from "../../sandbox/go-tool.ts";
import { observabilityPlatform, validateObservabilityPlatform } from "./template.ts";

const run = promisify(execFile);
const root = {
  apiVersion: "observability.io/v1beta1",
  kind: "ObservabilityPlatform",
  name: "p",
  namespace: "mon",
  uid: "u1",
  generation: 1,
};

const rules = [
  {
    name: "platform",
    groups: [
      {
        name: "availability",
        rules: [
          {
            alert: "TargetDown",
            expr: 'up{job!=""} == 0',
            for: "5m",
            labels: { severity: "critical" },
            annotations: { summary: "{{ $labels.job }} is down" },
          },
          { alert: "HighErrorRate", expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1' },
        ],
      },
      {
        name: "storage",
        interval: "5m",
        rules: [{ alert: "DiskFull", expr: "node_filesystem_avail_bytes < 1e9" }],
      },
    ],
  },
];
const scrape = `- job_name: node-exporter
  kubernetes_sd_configs:
    - role: endpoints
  relabel_configs:
    - source_labels: [__meta_kubernetes_service_name]
      regex: node-exporter
      action: keep
- job_name: blackbox
  metrics_path: /probe
  params:
    module: [http_2xx]
  static_configs:
    - targets: ["example.org:443"]
`;
const amConfig = dump({
  route: {
    receiver: "team",
    group_by: ["alertname"],
    routes: [{ matchers: ['severity="critical"'], receiver: "pager" }],
  },
  receivers: [
    { name: "team", webhook_configs: [{ url: "http://hooks.example.org/alert" }] },
    { name: "pager", webhook_configs: [{ url: "http://pager.example.org/alert" }] },
  ],
});

/** [name, version, spec] — each a platform whose Prometheus and Alertmanager files are checked. */
const matrix: Array<[string, "v1alpha1" | "v1beta1", unknown]> = [
  ["minimal", "v1alpha1", { components: { prometheus: { version: "v2.48.0" } } }],
  ["minimal", "v1beta1", { components: { prometheus: {} } }],
  [
    "external labels, global and own",
    "v1beta1",
    {
      global: { externalLabels: { cluster: "prod", region: "eu" } },
      components: { prometheus: { externalLabels: { region: "eu-west-1", replica: "a" } } },
    },
  ],
  [
    "remote write with headers and timeout",
    "v1alpha1",
    {
      components: {
        prometheus: {
          version: "2.48.0",
          remoteWrite: [
            {
              url: "https://metrics.example.org/api/v1/write",
              remoteTimeout: "30s",
              headers: { "X-Scope-OrgID": "t1" },
            },
            { url: "http://thanos-receive:19291/api/v1/receive" },
          ],
        },
      },
    },
  ],
  [
    "additional scrape configs",
    "v1beta1",
    { components: { prometheus: { additionalScrapeConfigs: scrape } } },
  ],
  [
    "rules and the default Alertmanager",
    "v1beta1",
    { components: { prometheus: {} }, alerting: { alertmanager: {}, rules } },
  ],
  [
    "everything, with the owner's Alertmanager config",
    "v1beta1",
    {
      global: { externalLabels: { cluster: "prod" } },
      components: {
        prometheus: {
          externalLabels: { team: "sre" },
          additionalScrapeConfigs: scrape,
          remoteWrite: [{ url: "https://metrics.example.org/api/v1/write" }],
        },
      },
      alerting: { alertmanager: { config: amConfig }, rules },
    },
  ],
];

const specOf = (version: "v1alpha1" | "v1beta1", value: unknown): ObservabilityPlatformSpec => {
  const schema =
    version === "v1alpha1" ? ObservabilityPlatformSpecSchema : ObservabilityPlatformSpecV1beta1Schema;
  const v = validate(schema, value);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.value;
};
const filesOf = (spec: ObservabilityPlatformSpec, configMap: string): Record<string, string> => {
  const cm = render(observabilityPlatform, root, spec).objects.find((o) => o.metadata.name === configMap) as
    { data: Record<string, string> } | undefined;
  return cm?.data ?? {};
};

/** Runs a tool; on failure the assertion carries its output. */
async function check(binary: string, args: string[]): Promise<void> {
  try {
    await run(binary, args);
  } catch (e: unknown) {
    const out = e as { stdout?: string; stderr?: string };
    assert.fail(`${binary} ${args.join(" ")}\n${out.stdout ?? ""}${out.stderr ?? ""}`);
  }
}

describe("rendered configs pass the real checkers", () => {
  const tools = { promtool: "", amtool: "" };
  before(async () => {
    const progress = (line: string): void => void process.stderr.write(`${line}\n`);
    tools.promtool = await ensureGoTool({ ...goTools.promtool, env: process.env, progress });
    tools.amtool = await ensureGoTool({ ...goTools.amtool, env: process.env, progress });
  });

  for (const [name, version, value] of matrix) {
    it(`${version} ${name}: promtool check config and check rules, amtool check-config`, async () => {
      const spec = specOf(version, value);
      const dir = await mkdtemp(join(tmpdir(), "op-config-"));
      const prom = filesOf(spec, "p-prometheus-config");
      assert.ok(prom["prometheus.yml"], "prometheus.yml is rendered");
      const config = load(prom["prometheus.yml"]) as { rule_files?: string[] };
      if (prom["rules.yml"]) {
        assert.deepEqual(config.rule_files, ["/etc/prometheus/rules.yml"]);
        // Where the ConfigMap is mounted in the pod, the file is beside the config: point there.
        config.rule_files = [join(dir, "rules.yml")];
        await writeFile(join(dir, "rules.yml"), prom["rules.yml"]);
        await check(tools.promtool, ["check", "rules", join(dir, "rules.yml")]);
      }
      await writeFile(join(dir, "prometheus.yml"), dump(config));
      await check(tools.promtool, ["check", "config", join(dir, "prometheus.yml")]);
      const am = filesOf(spec, "p-alertmanager-config")["alertmanager.yml"];
      if (am !== undefined) {
        await writeFile(join(dir, "alertmanager.yml"), am);
        await check(tools.amtool, ["check-config", join(dir, "alertmanager.yml")]);
      }
    });
  }

  it("refuses what promtool would refuse: a broken additional scrape config names the field", () => {
    const problems = validateObservabilityPlatform(
      specOf("v1beta1", { components: { prometheus: { additionalScrapeConfigs: "- job_name: [unclosed" } } }),
    );
    assert.match(JSON.stringify(problems), /additionalScrapeConfigs.*not valid YAML/);
  });
});
