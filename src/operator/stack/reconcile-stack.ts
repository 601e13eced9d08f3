import type { Counter } from "prom-client";
import type { Stack, StackStatus } from "../../api/stack.ts";
import { stackResourceType } from "../../api/stack.ts";
import { done, requeueAfter, type ReconcileResult, type Reconciler } from "../../engine/result.ts";
import type { StatusTransaction } from "../../engine/status-transaction.ts";
import type { ApplyContext } from "../../kube/apply.ts";
import { prune, identity } from "../../kube/apply.ts";
import { configHash } from "../../kube/desired-state.ts";
import type { EventRecorder } from "../../kube/event-recorder.ts";
import { withFinalizer } from "../../kube/finalizer.ts";
import { patchStatus } from "../../kube/status.ts";
import type { KubeObject } from "../../api/object.ts";
import type { Redactor } from "../../kube/redactor.ts";
import { render, topologicalLevels, type Rendered } from "../../resources/render.ts";
import { inheritedLabels } from "../../resources/labels.ts";
import { decide, type Decision, type Observation } from "./lifecycle.ts";
import { ensureGeneratedSecrets } from "./generated-secrets.ts";
import { missingPrerequisites } from "./prerequisites.ts";
import { rollout, type Rollout } from "./rollout.ts";
import {
  componentsStatus,
  decisionStatus,
  driftStatus,
  generatedSecretsStatus,
  lastKnownGoodStatus,
  operationStatus,
} from "./stack-status.ts";
import { teardown } from "./teardown.ts";
import { replaceStuckPods } from "./stuck-pods.ts";
import { quotaShortfalls, type ResourceQuota } from "./quota.ts";
import { withSecretsFrom, withoutSecrets } from "../../resources/secret-params.ts";
import { isUpgrade, validateStack, type ValidStack } from "./validate-stack.ts";
import type { DriftTracker } from "./drift-tracker.ts";
import { withoutIgnored, type IgnoreRule } from "./ignore-rules.ts";
import { engineStatusField, type KindBinding } from "../kind-binding.ts";

/** What is known of a stack before its phase handlers run: its last recorded components, no problems. */
export function baseObservation(stack: Stack, failedAfter: number): Observation {
  return {
    deleting: false,
    paused: false,
    invalid: [],
    missing: [],
    installedBefore: stack.status?.lastKnownGood !== undefined,
    upgrading: false,
    components: (stack.status?.components ?? []).map((c) => ({
      name: c.name,
      healthy: c.ready,
      message: c.message,
    })),
    failures: 0,
    failedAfter,
  };
}

/** The finalizer Stackwarden puts on every stack it manages. */
export const stackFinalizer = "stackwarden.dev/finalizer";
/** Annotation overriding every component's health deadline during upgrades, in seconds. */
export const healthDeadlineAnnotation = "stackwarden.dev/health-deadline-seconds";

/** What the stack reconciler needs from the process around it. */
export interface StackReconcilerDeps {
  readonly apply: ApplyContext;
  /** The kind this reconciler serves and how it maps onto the engine. */
  readonly binding: KindBinding;
  readonly stacks: { get(key: string): KubeObject | undefined; written(o: KubeObject): void };
  /** The stack's children known to the caches (labelled as ours and owned by the stack). */
  readonly children: (stack: Stack) => KubeObject[];
  /** A cached Secret, for generated secrets. */
  readonly secret: (namespace: string, name: string) => KubeObject | undefined;
  readonly events: EventRecorder;
  readonly redactor: Redactor;
  readonly drift: DriftTracker;
  readonly deleted: (o: KubeObject) => void;
  readonly written: (o: KubeObject) => void;
  readonly now: () => number;
  readonly transitions: Counter<"kind" | "from" | "to">;
  /** Called on every phase change, for a kind's own metrics. */
  readonly onTransition?: (object: KubeObject, from: string, to: string) => void;
  readonly failedAfter: number;
}

/**
 * Reconciles one Stack: a list of small phases — finalizer, pause, validate,
 * prerequisites, generated secrets, render, roll out in dependency order
 * (rolling back an upgrade that misses its deadline), prune, and one status
 * write decided by the pure {@link decide}. Level-based: it reads the stack
 * and its children from the caches and never relies on the event that
 * triggered it.
 */
export class StackReconciler implements Reconciler<string> {
  readonly #d: StackReconcilerDeps;
  /** The object each engine view was made from, for status writes. */
  readonly #raw = new WeakMap<Stack, KubeObject>();

  constructor(deps: StackReconcilerDeps) {
    this.#d = deps;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const object = this.#d.stacks.get(key);
    if (!object) {
      this.#d.drift.forget(key);
      return done;
    }
    return withFinalizer({
      client: this.#d.apply.client,
      type: this.#d.binding.type,
      object,
      finalizer: this.#d.binding.finalizer,
      signal,
      written: (o) => this.#d.stacks.written(o),
      apply: (o) => this.#live(key, this.#view(o)),
      cleanup: (o) => this.#delete(this.#view(o)),
    });
  }

  /** The object as a Stack, remembering where it came from. */
  #view(object: KubeObject): Stack {
    const view = this.#d.binding.asStack(object);
    this.#raw.set(view, object);
    return view;
  }

  #validate(stack: Stack): ReturnType<typeof validateStack> {
    const raw = this.#raw.get(stack) ?? stack;
    const extra = this.#d.binding.validate?.(raw) ?? [];
    const valid = validateStack(stack);
    if (extra.length === 0) return valid;
    return { ok: false, problems: [...extra, ...(valid.ok ? [] : valid.problems)] };
  }

  async #live(key: string, stack: Stack): Promise<ReconcileResult> {
    const generation = stack.metadata.generation ?? 0;
    const base = this.#observation(stack);
    if (stack.spec.paused) {
      await this.#writeStatus(stack, decide({ ...base, paused: true }), []);
      return done;
    }
    const valid = this.#validate(stack);
    if (!valid.ok) {
      // Not retried: nothing changes until the owner edits the spec (a new generation).
      await this.#writeStatus(stack, decide({ ...base, invalid: valid.problems }), []);
      return done;
    }
    for (const warning of this.#d.binding.warnings?.(this.#raw.get(stack) ?? stack) ?? []) {
      this.#event(stack, "Warning", "SpecWarning", "Validate", warning);
    }
    const { template, params } = valid.value;
    const namespace = stack.metadata.namespace ?? "default";
    const missing = await missingPrerequisites(
      this.#d.apply.client,
      namespace,
      template.prerequisites(params),
    );
    if (missing.length > 0) {
      await this.#writeStatus(stack, decide({ ...base, missing }), []);
      return requeueAfter(2000);
    }
    const secrets = await ensureGeneratedSecrets({
      client: this.#d.apply.client,
      stack,
      template: template.name,
      secrets: template.generatedSecrets,
      cached: this.#d.secret,
      redactor: this.#d.redactor,
      written: this.#d.written,
    });

    const good = stack.status?.lastKnownGood;
    const rolledBackGeneration = this.#rolledBackGeneration(stack);
    const runningGood = rolledBackGeneration === generation && good !== undefined;
    const upgrading =
      good !== undefined &&
      !runningGood &&
      good.generation !== generation &&
      isUpgrade(template.upgrade.fields, good.params, params);
    const secretParams = template.secretParams ?? [];
    const goodParams = good ? withSecretsFrom(good.params, params, secretParams) : params;
    const target: ValidStack = runningGood ? { template, params: goodParams } : valid.value;
    const rendered = this.#render(stack, target);
    const levels = topologicalLevels(rendered.components);
    const created = this.#d
      .children(stack)
      .filter((o) => !(o.kind === "Secret" && secrets.includes(o.metadata.name)));
    if (!good && created.length === 0) {
      // Before the first object is created: the namespace's quotas must be able to hold what the
      // stack asks for. Once objects exist, the API server's own quota admission has the say.
      const quotas = await this.#d.apply.client.request<{ items: ResourceQuota[] }>(
        "LIST",
        `/api/v1/namespaces/${namespace}/resourcequotas`,
      );
      const shortfalls = quotaShortfalls(quotas.items, rendered.objects);
      if (shortfalls.length > 0) {
        await this.#writeStatus(stack, decide({ ...base, missing: shortfalls }), []);
        return requeueAfter(5000);
      }
    }
    const rules = [...template.ignore, ...stack.spec.drift.ignore];
    let result = await this.#rollout(key, stack, rendered, levels, rules);
    const extra: Array<StatusTransaction<StackStatus>> = [generatedSecretsStatus(secrets)];

    let rollingBack: string | undefined;
    if (upgrading && !result.complete) {
      const operation = stack.status?.currentOperation;
      const startedAt = operation?.type === "Upgrade" ? Date.parse(operation.startedAt) : this.#d.now();
      const late = result.components.find(
        (c) => !c.ready && this.#d.now() - startedAt > this.#deadlineMs(stack, template.components, c.name),
      );
      if (late && good) {
        rollingBack = `component ${late.name} did not become healthy within its deadline (${late.message}); rolling back to generation ${good.generation}`;
        this.#event(stack, "Warning", "UpgradeFailed", "Upgrade", rollingBack);
        const previous = this.#render(stack, { template, params: goodParams });
        result = await this.#rollout(key, stack, previous, levels, rules);
      } else {
        extra.push(
          operationStatus({
            type: "Upgrade",
            startedAt: new Date(startedAt).toISOString(),
            progress: `${result.components.filter((c) => c.ready).length}/${result.components.length}`,
            ...(result.components.find((c) => !c.ready)
              ? { component: result.components.find((c) => !c.ready)!.name }
              : {}),
            fromVersion: `generation ${good?.generation ?? 0}`,
            toVersion: `generation ${generation}`,
          }),
        );
      }
    }

    if (rollingBack || (runningGood && !result.complete)) {
      const replaced = await replaceStuckPods(
        this.#d.apply.client,
        result.applied.map((a) => a.object),
      );
      if (replaced.length > 0) {
        this.#event(
          stack,
          "Normal",
          "RollingBack",
          "Rollback",
          `replaced pods stuck on the failed revision: ${replaced.join(", ")}`,
        );
      }
    }
    await prune(
      this.#d.apply,
      [
        ...rendered.objects,
        ...secrets.map((name) => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace } })),
      ],
      this.#d.children(stack),
      (o) => o.metadata.ownerReferences?.some((r) => r.uid === stack.metadata.uid) ?? false,
    );

    const fights = this.#d.drift.fights(key);
    if (process.env.SW_DEBUG)
      console.error("DEBUG", key, {
        generation,
        good: good?.generation,
        goodVersion: (good?.params as Record<string, unknown> | undefined)?.version,
        version: params.version,
        upgrading,
        runningGood,
        rolledBackGeneration,
      });
    const decision = decide({
      ...base,
      installedBefore: good !== undefined,
      upgrading,
      ...(rollingBack ? { rollingBack } : {}),
      ...(runningGood
        ? {
            rolledBack: `the upgrade to generation ${generation} failed and was rolled back; the stack runs generation ${good.generation}`,
          }
        : {}),
      ...(fights.length > 0
        ? {
            driftFight: `${fights.map((f) => f.object).join(", ")} keep being changed by another controller; left alone until ${new Date(Math.max(...fights.map((f) => f.until))).toISOString()}`,
          }
        : {}),
      components: result.components.map((c) => ({ name: c.name, healthy: c.ready, message: c.message })),
    });
    if (decision.phase === "Ready" && !runningGood && good?.generation !== generation) {
      extra.push(
        lastKnownGoodStatus({
          generation,
          templateVersion: template.version,
          params: withoutSecrets(params, secretParams),
          renderedHash: configHash(rendered.objects),
        }),
        operationStatus(undefined),
      );
      if (upgrading)
        this.#event(stack, "Normal", "Upgraded", "Upgrade", `upgraded to generation ${generation}`);
    }
    if (rollingBack || runningGood)
      extra.push(
        operationStatus(
          runningGood && result.complete
            ? undefined
            : {
                type: "Rollback",
                startedAt: new Date(this.#d.now()).toISOString(),
                progress: `${result.components.filter((c) => c.ready).length}/${result.components.length}`,
                toVersion: `generation ${good?.generation ?? 0}`,
              },
        ),
      );
    await this.#writeStatus(stack, decision, [
      componentsStatus(result.components),
      ...this.#driftTransactions(key, stack, result),
      ...extra,
    ]);
    return result.complete ? done : requeueAfter(fights.length > 0 ? 30_000 : 2000);
  }

  /** Applies a rendered stack, leaving out ignored fields and objects in a drift fight. */
  async #rollout(
    key: string,
    stack: Stack,
    rendered: Rendered,
    levels: string[][],
    rules: readonly IgnoreRule[],
  ): Promise<Rollout> {
    const stripped: Rendered = {
      components: rendered.components.map((c) => ({
        ...c,
        objects: c.objects.map((o) => withoutIgnored(o, rules)),
      })),
      objects: rendered.objects.map((o) => withoutIgnored(o, rules)),
    };
    const enforce = stack.spec.drift.policy !== "ignore";
    return rollout({ ...this.#d.apply, enforce }, stripped, levels, (o) =>
      this.#d.drift.inBackoff(key, `${o.kind}/${o.metadata.name}`),
    );
  }

  #render(stack: Stack, target: ValidStack): Rendered {
    return render(
      target.template,
      {
        apiVersion: stack.apiVersion ?? stackResourceType.group + "/" + stackResourceType.version,
        kind: stack.kind ?? "Stack",
        name: stack.metadata.name,
        namespace: stack.metadata.namespace ?? "default",
        uid: stack.metadata.uid ?? "",
        generation: stack.metadata.generation ?? 0,
        inherited: inheritedLabels(stack.metadata.labels),
        ...(stack.spec.power !== undefined ? { power: stack.spec.power } : {}),
        ...(stack.spec.restartedAt !== undefined ? { restartedAt: stack.spec.restartedAt } : {}),
      },
      target.params,
    );
  }

  /** Turns the drift seen since the last reconcile into Events and status counts. */
  #driftTransactions(key: string, stack: Stack, result: Rollout): Array<StatusTransaction<StackStatus>> {
    const pending = this.#d.drift.take(key);
    if (pending.length === 0) return [];
    const changed = new Set(
      result.applied.filter((a) => a.changed).map((a) => `${a.object.kind}/${a.object.metadata.name}`),
    );
    const corrections: Array<{
      time: string;
      kind: string;
      name: string;
      fields: string[];
      manager: string;
    }> = [];
    let fights = 0;
    for (const d of pending) {
      if (!changed.has(d.object)) continue;
      const verdict = this.#d.drift.corrected(key, d.object);
      const [kind = "", name = ""] = d.object.split("/");
      corrections.push({
        time: new Date(this.#d.now()).toISOString(),
        kind,
        name,
        fields: [...d.fields],
        manager: d.manager,
      });
      this.#event(
        stack,
        "Normal",
        "DriftCorrected",
        "Correct",
        `${d.object} restored${d.fields.length ? ` (${d.fields.join(", ")})` : ""}`,
      );
      if (verdict.fight) {
        fights++;
        this.#event(
          stack,
          "Warning",
          "DriftFight",
          "Correct",
          `${d.object} was changed back ${verdict.corrections} times in a few minutes by ${d.manager}; leaving it alone for a while`,
        );
      }
    }
    return [driftStatus(corrections, fights)];
  }

  async #delete(stack: Stack): Promise<ReconcileResult> {
    const valid = validateStack(stack);
    const levels = valid.ok ? topologicalLevels(valid.value.template.components) : [];
    if (stack.status?.phase !== "Deleting") {
      await this.#writeStatus(stack, decide({ ...this.#observation(stack), deleting: true }), []);
    }
    return teardown({
      ctx: this.#d.apply,
      stack,
      levels,
      children: this.#d.children(stack),
      deleteVolumes: stack.spec.deletionPolicy.volumes === "Delete",
      deleted: this.#d.deleted,
    });
  }

  #observation(stack: Stack): Observation {
    return baseObservation(stack, this.#d.failedAfter);
  }

  #rolledBackGeneration(stack: Stack): number | undefined {
    const degraded = stack.status?.conditions?.find((c) => c.type === "Degraded");
    return degraded && (degraded.reason === "RollingBack" || degraded.reason === "UpgradeRolledBack")
      ? degraded.observedGeneration
      : undefined;
  }

  #deadlineMs(
    stack: Stack,
    components: ReadonlyArray<{ name: string; healthDeadlineSeconds: number }>,
    name: string,
  ): number {
    const override = Number(stack.metadata.annotations?.[healthDeadlineAnnotation]);
    if (Number.isFinite(override) && override > 0) return override * 1000;
    return (components.find((c) => c.name === name)?.healthDeadlineSeconds ?? 300) * 1000;
  }

  async #writeStatus(
    stack: Stack,
    decision: Decision,
    extra: Array<StatusTransaction<StackStatus>>,
  ): Promise<void> {
    const from = stack.status?.phase ?? "";
    const now = new Date(this.#d.now()).toISOString();
    const engine = [decisionStatus(decision, stack.metadata.generation ?? 0, now), ...extra];
    const raw = this.#raw.get(stack) ?? stack;
    const project = this.#d.binding.projectStatus;
    await patchStatus<Record<string, unknown>>({
      client: this.#d.apply.client,
      type: this.#d.binding.type,
      namespace: stack.metadata.namespace,
      name: stack.metadata.name,
      current: raw,
      transactions: project
        ? [
            (s) => {
              const inner = (s[engineStatusField] ?? {}) as StackStatus;
              for (const tx of engine) tx(inner);
              s[engineStatusField] = inner;
              Object.assign(s, project(inner, raw));
            },
          ]
        : engine,
      written: (o) => this.#d.stacks.written(o),
    });
    if (from !== decision.phase) {
      this.#d.transitions.inc({ kind: stack.kind ?? "Stack", from: from || "None", to: decision.phase });
      this.#d.onTransition?.(raw, from || "None", decision.phase);
      const warning = decision.phase === "Failed" || decision.reason === "RollingBack";
      this.#event(
        stack,
        warning ? "Warning" : "Normal",
        decision.reason,
        "Reconcile",
        `${from || "new"} → ${decision.phase}: ${decision.message}`,
      );
    }
  }

  #event(stack: Stack, type: "Normal" | "Warning", reason: string, action: string, note: string): void {
    this.#d.events.record(
      {
        apiVersion: stack.apiVersion ?? "stackwarden.dev/v1alpha1",
        kind: stack.kind ?? "Stack",
        name: stack.metadata.name,
        ...(stack.metadata.namespace ? { namespace: stack.metadata.namespace } : {}),
        ...(stack.metadata.uid ? { uid: stack.metadata.uid } : {}),
      },
      { type, reason, action, note },
    );
  }
}

export { identity };
