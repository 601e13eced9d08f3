import { identity, prune } from "../../../kube/apply.ts";
import type { KubeObject } from "../../../api/object.ts";
import { untrackStatus } from "../stack-status.ts";
import { proceed, type Phase } from "../stack-pass.ts";
import { writeStackStatus } from "./write-status.ts";

/**
 * Prune: delete the children no longer wanted (waves in reverse). They leave `status.resources`
 * first, in a status write of their own, so that their disappearance is never taken for drift,
 * by this replica or by one that takes over mid-way.
 */
export const prunePhase: Phase = async (deps, pass) => {
  const wanted: KubeObject[] = [
    ...pass.plan!.rendered.objects,
    ...(pass.secrets ?? []).map((name) => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: pass.namespace },
    })),
  ];
  const keep = new Set(wanted.map(identity));
  const children = deps.children(pass.stack);
  const doomed = children.filter((o) => !keep.has(identity(o)) && !o.metadata.deletionTimestamp);
  if (doomed.length === 0) return proceed;
  const uids = new Set(doomed.map((o) => o.metadata.uid ?? ""));
  if ((pass.stack.status?.resources ?? []).some((r) => uids.has(r.uid))) {
    await writeStackStatus(deps, pass, [untrackStatus(uids)]);
  }
  const uid = pass.stack.metadata.uid;
  const pruned = await prune(
    { ...deps.apply, signal: pass.signal },
    wanted,
    children,
    (o) => o.metadata.ownerReferences?.some((r) => r.uid === uid) ?? false,
  );
  pass.log.info(
    { pruned: pruned.map((o) => `${o.kind}/${o.metadata.name}`) },
    "pruned children no longer wanted",
  );
  return proceed;
};
