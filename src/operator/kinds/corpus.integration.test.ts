/**
 * Our corpus (src/operator/kinds/corpus/<kind>/<version>/*.yaml, written from
 * each project's documentation and API) on the sandbox: every manifest is
 * applied unchanged, server-side; a valid one must reach the phase its header
 * names with the children it lists, an invalid one must be refused by the API
 * server naming the field. The Ready checks are batched: everything is
 * applied first, then one poll watches all. With STACKWARDEN_CORPUS_REPORT
 * set, the results (accepted, ready, seconds to ready) are written there as
 * JSON for `npm run bench:kinds`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { KubeObject } from "../../api/object.ts";
import { describeNamespace, useTestNamespace } from "../../testing/cluster.ts";
import { eventually } from "../../testing/eventually.ts";
import { startKindOperator } from "../../testing/kind-operator.ts";
import { boundKinds } from "../kinds.ts";
import { isStackBinding } from "../kind-binding.ts";
import { loadCorpus, objectPath, type CorpusEntry } from "./corpus/corpus.ts";

const corpus = await loadCorpus(fileURLToPath(new URL("./corpus/", import.meta.url)));
const ns = await useTestNamespace("corpus");
const manager = await startKindOperator(
  ns,
  boundKinds.filter((b) => !isStackBinding(b)),
);
const { client } = manager;

/** Children named in headers by kind; their apiVersion for the REST path. */
const childApi: Record<string, string> = {
  StatefulSet: "apps/v1",
  Deployment: "apps/v1",
  Service: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  ServiceAccount: "v1",
  NetworkPolicy: "networking.k8s.io/v1",
  Ingress: "networking.k8s.io/v1",
  Pod: "v1",
  PersistentVolumeClaim: "v1",
  PodDisruptionBudget: "policy/v1",
  HorizontalPodAutoscaler: "autoscaling/v2",
};

async function pathOf(o: KubeObject): Promise<string> {
  const apiVersion = o.apiVersion ?? "v1";
  const t = await manager.types.resolve(client, apiVersion, o.kind ?? "");
  return objectPath(apiVersion, t.plural, ns.namespace, o.metadata.name);
}

/** Applies `o` in the test's namespace (upstream samples name `default`, as `kubectl apply -n` would override). */
async function apply(o: KubeObject): Promise<KubeObject> {
  return client.request<KubeObject>("PATCH", await pathOf(o), {
    body: { ...o, metadata: { ...o.metadata, namespace: ns.namespace } },
    contentType: "application/apply-patch+yaml",
    query: { fieldManager: "corpus", force: true, fieldValidation: "Strict" },
  });
}

interface Result {
  readonly entry: CorpusEntry;
  accepted: boolean;
  appliedAt: number;
  readyAfterMs?: number;
  refusal?: string;
}

const results: Result[] = [];

describe("the corpus, applied unchanged", () => {
  it("applies every manifest server-side: the invalid ones are refused naming their field", async () => {
    for (const entry of corpus) {
      const result: Result = { entry, accepted: false, appliedAt: Date.now() };
      results.push(result);
      for (const o of entry.objects.slice(0, -1)) await apply(o);
      try {
        await apply(entry.objects.at(-1)!);
        result.accepted = true;
      } catch (e: unknown) {
        result.refusal = e instanceof Error ? e.message : String(e);
      }
      const where = `${entry.kind}/${entry.version}/${entry.file}`;
      if (entry.expect.type === "refused") {
        assert.equal(result.accepted, false, `${where} was accepted`);
        assert.ok(result.refusal?.includes(entry.expect.field), `${where}: ${result.refusal}`);
      } else {
        assert.ok(result.accepted, `${where} was refused: ${result.refusal}`);
      }
    }
  });

  it("brings every valid manifest to its phase, with the children its header lists", async () => {
    const waiting = results.filter((r) => r.accepted && r.entry.expect.type === "phase");
    await eventually(
      `${waiting.length} corpus objects to reach their phase`,
      async () => {
        for (const r of waiting.filter((w) => w.readyAfterMs === undefined)) {
          const o = r.entry.objects.at(-1)!;
          const live = await client.request<
            KubeObject & { status?: { phase?: string; observedGeneration?: number } }
          >("GET", await pathOf(o));
          const phase = r.entry.expect.type === "phase" ? r.entry.expect.phase : "";
          if (live.status?.phase === phase && live.status.observedGeneration === live.metadata.generation)
            r.readyAfterMs = Date.now() - r.appliedAt;
        }
        return waiting.every((w) => w.readyAfterMs !== undefined) ? true : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 250, explain: () => describeNamespace(ns.kc, ns.namespace) },
    );
    for (const r of waiting) {
      if (r.entry.expect.type !== "phase") continue;
      for (const child of r.entry.expect.children) {
        const [kind, name] = child.split("/") as [string, string];
        const api = childApi[kind];
        assert.ok(api, `${r.entry.file}: unknown child kind ${kind}`);
        await client.request("GET", await pathOf({ apiVersion: api, kind, metadata: { name } }));
      }
    }
  });

  it("writes the report when asked", async () => {
    const target = process.env["STACKWARDEN_CORPUS_REPORT"];
    if (!target) return;
    const report = results.map((r) => ({
      kind: r.entry.kind,
      version: r.entry.version,
      file: r.entry.file,
      valid: r.entry.expect.type === "phase",
      accepted: r.accepted,
      ready: r.readyAfterMs !== undefined,
      readyAfterMs: r.readyAfterMs ?? null,
    }));
    await writeFile(target, JSON.stringify(report, null, 2));
  });
});
