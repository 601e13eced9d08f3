import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxDown, sandboxUp, type SandboxInfo } from "../src/sandbox/sandbox.ts";
import type { ComponentName } from "../src/sandbox/components.ts";
import { restartSandboxComponent } from "../src/sandbox/restart-component.ts";

/**
 * A private sandbox for one benchmark run, called `name`, in a scratch state folder, so a
 * benchmark never disturbs a developer's or the test suite's sandbox.
 * `restart(component)` restarts one of its components in place; `done()` stops it and removes the
 * folder.
 */
export async function benchCluster(name = "bench"): Promise<{
  sandbox: SandboxInfo;
  scratch: string;
  restart(component: ComponentName): Promise<void>;
  done(): Promise<void>;
}> {
  const scratch = await mkdtemp(join(tmpdir(), "stackwarden-bench-"));
  const options = {
    name,
    env: { ...process.env, STACKWARDEN_STATE_DIR: join(scratch, "state") },
    log: (line: string) => void process.stderr.write(`${line}\n`),
  };
  const sandbox = await sandboxUp(options);
  return {
    sandbox,
    scratch,
    restart: async (component) => {
      await restartSandboxComponent(options, component);
    },
    done: async () => {
      await sandboxDown(options);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
