import { inFight } from "../drift-ledger.ts";
import { rollout } from "../rollout.ts";
import { replaceStuckPods } from "../stuck-pods.ts";
import { proceed, type Phase } from "../stack-pass.ts";

/**
 * Roll out: apply the plan level by level in dependency order (compare before write, so a
 * converged stack costs nothing), leaving alone the objects in a drift fight. While the last
 * known good spec is being rolled back to, pods stuck on the failed revision are replaced.
 */
export const rollOutPhase: Phase = async (deps, pass) => {
  const plan = pass.plan!;
  const fights = inFight(pass.stack.status?.drift, deps.now());
  const enforce = pass.stack.spec.drift.policy !== "ignore";
  const result = await rollout(
    { ...deps.apply, enforce, signal: pass.signal },
    plan.desired,
    plan.levels,
    (o) => fights.some((f) => f.kind === o.kind && f.name === o.metadata.name),
  );
  pass.rollout = result;
  if (plan.runningGood && !result.complete) {
    const replaced = await replaceStuckPods(
      deps.apply.client,
      result.applied.map((a) => a.object),
      pass.signal,
    );
    if (replaced.length > 0) {
      pass.events.push({
        type: "Normal",
        reason: "RollingBack",
        action: "Rollback",
        note: `replaced pods stuck on the failed revision: ${replaced.join(", ")}`,
      });
    }
  }
  return proceed;
};
