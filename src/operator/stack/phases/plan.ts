import { stackResourceType, type Stack } from "../../../api/stack.ts";
import { requeueAfter } from "../../../engine/result.ts";
import { inheritedLabels } from "../../../resources/labels.ts";
import { render, topologicalLevels, type Rendered } from "../../../resources/render.ts";
import { withSecretsFrom } from "../../../resources/secret-params.ts";
import { withoutIgnored } from "../ignore-rules.ts";
import { quotaShortfalls, type ResourceQuota } from "../quota.ts";
import { runsLastKnownGood } from "../rollout-state.ts";
import { isUpgrade, type ValidStack } from "../validate-stack.ts";
import { proceed, stop, type Phase, type StackDeps, type StackPass } from "../stack-pass.ts";
import type { IgnoreRule } from "../../../api/stack.ts";

/**
 * Plan: what this pass rolls out. The stack's own spec, or the last known good one while an
 * upgrade to this generation is (or was) rolled back, as `status.rollout` says; rendered, with
 * ignored fields left out. Before the first object exists, the namespace's quotas must be able
 * to hold it all (Pending otherwise); once objects exist, quota admission has the say.
 */
export const planPhase: Phase = async (deps, pass) => {
  const valid = pass.valid!;
  const { template, params } = valid;
  const good = pass.stack.status?.lastKnownGood;
  const runningGood = good !== undefined && runsLastKnownGood(pass.stack.status?.rollout, pass.generation);
  const upgradeClass =
    good !== undefined &&
    !runningGood &&
    good.generation !== pass.generation &&
    isUpgrade(template.upgrade.fields, good.params, params);
  const target: ValidStack =
    runningGood && good
      ? { template, params: withSecretsFrom(good.params, params, template.secretParams ?? []) }
      : valid;
  const rendered = renderStack(pass.stack, target);
  const rules = [...template.ignore, ...pass.stack.spec.drift.ignore];
  const levels = topologicalLevels(rendered.components);
  pass.plan = {
    target,
    rendered,
    desired: withoutRules(rendered, rules),
    levels,
    rules,
    upgradeClass,
    runningGood,
  };
  if (good) return proceed;
  const shortfalls = await quotaShortfallsBeforeInstall(deps, pass, rendered);
  return shortfalls.length > 0 ? stop(requeueAfter(5000), { missing: shortfalls }) : proceed;
};

async function quotaShortfallsBeforeInstall(
  deps: StackDeps,
  pass: StackPass,
  rendered: Rendered,
): Promise<string[]> {
  const secrets = pass.secrets ?? [];
  const created = deps
    .children(pass.stack)
    .filter((o) => !(o.kind === "Secret" && secrets.includes(o.metadata.name)));
  if (created.length > 0) return [];
  const quotas = await deps.apply.client.request<{ items: ResourceQuota[] }>(
    "LIST",
    `/api/v1/namespaces/${pass.namespace}/resourcequotas`,
    { signal: pass.signal },
  );
  return quotaShortfalls(quotas.items, rendered.objects);
}

/** The objects of a valid stack, labelled and owned by it. Pure. */
export function renderStack(stack: Stack, target: ValidStack): Rendered {
  return render(
    target.template,
    {
      apiVersion: stack.apiVersion ?? `${stackResourceType.group}/${stackResourceType.version}`,
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

/** `rendered` with the fields the rules name left out of every object. Pure. */
function withoutRules(rendered: Rendered, rules: readonly IgnoreRule[]): Rendered {
  return {
    components: rendered.components.map((c) => ({
      ...c,
      objects: c.objects.map((o) => withoutIgnored(o, rules)),
    })),
    objects: rendered.objects.map((o) => withoutIgnored(o, rules)),
  };
}
