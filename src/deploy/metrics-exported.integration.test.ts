/**
 * Every metric an alert or a dashboard panel queries is really exported: a
 * running operator and a running control plane (on the sandbox) are scraped,
 * and each query's metric names must be among what they serve. The metrics the
 * alerts added for themselves also report what they should.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { startOperator } from "../cli/operator.ts";
import { startServer } from "../cli/server.ts";
import { createLogger } from "../observability/logger.ts";
import { useTestNamespace } from "../testing/cluster.ts";
import { eventually } from "../testing/eventually.ts";
import { builtinTemplateRecords } from "../controlplane/guardrails.ts";
import { alertRulesFile } from "./chart-files.ts";
import { dashboards, metricsIn } from "./dashboards.ts";

const ns = await useTestNamespace("metrics exported");
const stop = new AbortController();
const dataDir = await mkdtemp(join(tmpdir(), "stackwarden-metrics-"));
const { manager, done: operatorDone } = await startOperator(
  {
    kubeconfig: ns.kc,
    namespaces: [ns.namespace],
    installCrds: false,
    leaderElect: true,
    leaseNamespace: ns.namespace,
    metricsBindAddress: "127.0.0.1:0",
    healthProbeBindAddress: "0",
    logLevel: "error",
  },
  stop.signal,
);
const server = await startServer(
  {
    listen: "127.0.0.1:0",
    dataDir,
    kubeconfig: ns.kc,
    clusterName: "local",
    logger: createLogger({ name: "test", level: "error" }),
  },
  stop.signal,
);
after(async () => {
  stop.abort();
  await Promise.all([operatorDone, server.done]);
  await rm(dataDir, { recursive: true, force: true });
});

/** The scrape of `url`, and the metric families it declares (`# TYPE name …`). */
async function scrape(url: string): Promise<{ text: string; names: Set<string> }> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  const text = await response.text();
  return { text, names: new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? "")) };
}

const operatorUrl = (): string => `http://127.0.0.1:${manager.metricsPort}/metrics`;

/** Every PromQL expression the alert rules and the dashboards query, with where it comes from. */
async function queries(): Promise<Array<[where: string, expr: string]>> {
  const rules = load(await readFile(alertRulesFile, "utf8")) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  const fromRules = rules.groups.flatMap((g) =>
    g.rules.map((r): [string, string] => [`alert ${r.alert}`, r.expr]),
  );
  const fromPanels = [...dashboards].flatMap(([file, board]) =>
    (board.panels as Array<{ title: string; targets: Array<{ expr: string }> }>).flatMap((p) =>
      p.targets.map((t): [string, string] => [`${file} "${p.title}"`, t.expr]),
    ),
  );
  return [...fromRules, ...fromPanels];
}

describe("the metrics alerts and dashboards query", () => {
  it("are all exported by the operator or the control plane", async () => {
    const operator = await eventually("the operator to lead", async () => {
      const s = await scrape(operatorUrl());
      return /^leader_election_master_status\{name="stackwarden-operator"\} 1$/m.test(s.text) ? s : undefined;
    });
    const controlPlane = await scrape(`${server.url}/metrics`);
    const exported = new Set([...operator.names, ...controlPlane.names]);
    const missing = (await queries()).flatMap(([where, expr]) =>
      metricsIn(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    assert.deepEqual(missing, [], `queried but not exported:\n${missing.join("\n")}`);
  });

  it("include the control plane's database and observation gauges, saying what is true now", async () => {
    assert.match((await scrape(`${server.url}/metrics`)).text, /^stackwarden_store_up 1$/m);
    // A stack in a cluster the control plane cannot reach (no kubeconfig stored for it) is unobserved.
    await server.store.catalog.ensureCluster("elsewhere", "a cluster nobody can reach");
    const template = builtinTemplateRecords().find((t) => t.name === "minecraft-java");
    assert.ok(template);
    await server.store.stacks.create(
      {
        template: template.name,
        templateVersion: template.version,
        cluster: "elsewhere",
        namespace: ns.namespace,
        name: "unseen",
        params: {},
        drift: { policy: "enforce", ignore: [] },
      },
      "test",
    );
    const { text } = await scrape(`${server.url}/metrics`);
    assert.match(text, /^stackwarden_stacks_unobserved\{cluster="elsewhere"\} 1$/m);
  });
});
