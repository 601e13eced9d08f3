import { done } from "../../../engine/result.ts";
import { validateStack } from "../validate-stack.ts";
import type { KubeObject } from "../../../api/object.ts";
import { findDeletions } from "../find-drift.ts";
import { proceed, stop, type Phase } from "../stack-pass.ts";
import { recordDrift } from "./detect-drift.ts";

/**
 * Validate: a paused stack stops here (Paused, nothing applied; deletions of its children are
 * recorded, to be repaired on resume); an invalid spec stops in Failed
 * naming the fields, not retried until the owner edits the spec (a new generation). The kind's own
 * warnings are recorded as `SpecWarning` Events.
 */
export const validatePhase: Phase = async (deps, pass) => {
  if (pass.stack.spec.paused) {
    // Nothing is put back while paused, but a deletion is recorded, to be repaired on resume.
    if (pass.stack.spec.drift.policy !== "ignore") {
      const now = new Date(deps.now()).toISOString();
      const live = (kind: string, name: string): KubeObject | undefined =>
        deps.child(kind, pass.namespace, name);
      await recordDrift(deps, pass, findDeletions(pass.stack.status?.resources ?? [], live, now));
    }
    return stop(done, { paused: true });
  }
  const extra = deps.binding.validate?.(pass.object) ?? [];
  const valid = validateStack(pass.stack);
  const problems = [...extra, ...(valid.ok ? [] : valid.problems)];
  if (!valid.ok || problems.length > 0) return stop(done, { invalid: problems });
  for (const warning of deps.binding.warnings?.(pass.object) ?? []) {
    pass.events.push({ type: "Warning", reason: "SpecWarning", action: "Validate", note: warning });
  }
  pass.valid = valid.value;
  return proceed;
};
