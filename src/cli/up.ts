import { parseArgs } from "node:util";
import { once } from "node:events";
import { sandboxDown, sandboxUp } from "../sandbox/sandbox.ts";

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * `stackwarden up`: runs Stackwarden on this machine on embedded defaults.
 * Today that is the local sandbox cluster; the operator, control plane and UI
 * join this command as they land. Stays in the foreground until Ctrl-C, then
 * stops the sandbox if this command started it (one it found running stays).
 */
export async function runUp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sandbox: { type: "string", default: process.env.STACKWARDEN_SANDBOX ?? "default" },
      detach: { type: "boolean", default: false },
    },
  });
  const options = { name: values.sandbox, env: process.env, log };
  log("stackwarden up: starting the local sandbox cluster");
  const sandbox = await sandboxUp(options);
  log("");
  log(`Stackwarden is up.`);
  log(`  Kubernetes API: ${sandbox.server}${sandbox.reused ? " (already running)" : ""}`);
  log(`  kubeconfig:     ${sandbox.kubeconfig}`);
  log(`  kubectl:        npx stackwarden kubectl get nodes`);
  log(`                  or KUBECONFIG=${sandbox.kubeconfig} kubectl …`);
  if (values.detach) return 0;
  log("");
  log(sandbox.reused ? "Press Ctrl-C to stop (the sandbox keeps running)." : "Press Ctrl-C to stop.");
  await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
  if (!sandbox.reused) {
    log("stopping the sandbox");
    await sandboxDown(options);
  }
  return 0;
}
