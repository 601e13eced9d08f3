import { valueAt } from "../../api/json-pointer.ts";
import type { Stack } from "../../api/stack.ts";
import { formatProblem, validate } from "../../api/validate.ts";
import { findTemplate, templates } from "../../templates/registry.ts";
import type { Template } from "../../templates/template.ts";

/** Parameters after validation, with the template's defaults applied. */
export type Params = Record<string, unknown>;

/** A stack whose template exists and whose parameters are valid. */
export interface ValidStack {
  readonly template: Template<Params>;
  readonly params: Params;
}

/**
 * Validates a stack beyond what its CRD schema can say: the template exists
 * (in the requested version), the parameters satisfy the template's schema and
 * cross-field rules, immutable parameters did not change since the last good
 * install, and an upgrade takes an allowed path. Every problem names its field
 * as a JSON pointer from the stack's root (`/spec/params/memory: …`).
 */
export function validateStack(
  stack: Stack,
): { ok: true; value: ValidStack } | { ok: false; problems: string[] } {
  const { spec } = stack;
  if (stack.metadata.name.length > 52) {
    // StatefulSet pods add "-N" and a controller-revision hash to the name; labels stop at 63 characters.
    return {
      ok: false,
      problems: [`/metadata/name: must be at most 52 characters (it has ${stack.metadata.name.length})`],
    };
  }
  const template = findTemplate(spec.template, spec.templateVersion) as Template<Params> | undefined;
  if (!template) {
    const known = [...templates.keys()].join(", ");
    const version = spec.templateVersion ? ` in version ${spec.templateVersion}` : "";
    return {
      ok: false,
      problems: [`/spec/template: unknown template "${spec.template}"${version}; known: ${known}`],
    };
  }
  const checked = validate(template.params, spec.params ?? {});
  if (!checked.ok) {
    return {
      ok: false,
      problems: checked.problems.map((p) => formatProblem({ ...p, path: `/spec/params${p.path}` })),
    };
  }
  const params = checked.value as Params;
  const problems = (template.validate?.(params) ?? []).map((p) =>
    formatProblem({ ...p, path: `/spec/params${p.path}` }),
  );
  const good = stack.status?.lastKnownGood;
  if (good) {
    const before = good.params as Params;
    for (const pointer of template.guardrails.immutable) {
      const was = valueAt(before, pointer);
      const now = valueAt(params, pointer);
      if (was !== undefined && JSON.stringify(was) !== JSON.stringify(now)) {
        problems.push(`/spec/params${pointer}: cannot change after creation (it is ${JSON.stringify(was)})`);
      }
    }
    const refused = template.upgrade.allowed?.(before, params);
    if (refused) problems.push(`/spec/params: ${refused}`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { template, params } };
}

/** True when any of `pointers` differs between two parameter sets: the change is an upgrade. */
export function isUpgrade(pointers: readonly string[], from: Params, to: Params): boolean {
  return pointers.some((p) => JSON.stringify(valueAt(from, p)) !== JSON.stringify(valueAt(to, p)));
}
