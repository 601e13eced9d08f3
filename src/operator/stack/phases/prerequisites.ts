import { requeueAfter } from "../../../engine/result.ts";
import { missingPrerequisites } from "../prerequisites.ts";
import { proceed, stop, type Phase } from "../stack-pass.ts";

/** Prerequisites: the Secrets and ConfigMaps the parameters name must exist; Pending until they do. */
export const prerequisitesPhase: Phase = async (deps, pass) => {
  const { template, params } = pass.valid!;
  const missing = await missingPrerequisites(
    deps.apply.client,
    pass.namespace,
    template.prerequisites(params),
    pass.signal,
  );
  return missing.length > 0 ? stop(requeueAfter(2000), { missing }) : proceed;
};
