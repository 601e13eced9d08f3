import { ensureGeneratedSecrets } from "../generated-secrets.ts";
import { generatedSecretsStatus } from "../stack-status.ts";
import { proceed, type Phase } from "../stack-pass.ts";

/** Generated secrets: the template's random Secrets exist (made once, never changed) and are listed in status. */
export const generatedSecretsPhase: Phase = async (deps, pass) => {
  const { template } = pass.valid!;
  pass.secrets = await ensureGeneratedSecrets({
    client: deps.apply.client,
    stack: pass.stack,
    template: template.name,
    secrets: template.generatedSecrets,
    cached: (namespace, name) => deps.child("Secret", namespace, name),
    redactor: deps.redactor,
    written: (o) => deps.apply.live?.written?.(deps.apply.types.known("v1", "Secret")!, o),
    signal: pass.signal,
  });
  pass.status.push(generatedSecretsStatus(pass.secrets));
  return proceed;
};
