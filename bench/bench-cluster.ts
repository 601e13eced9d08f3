import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxDown, sandboxUp, type SandboxInfo } from "../src/sandbox/sandbox.ts";

/**
 * A private sandbox for one benchmark run, in a scratch state folder, so a
 * benchmark never disturbs a developer's or the test suite's sandbox.
 * `done()` stops it and removes the folder.
 */
export async function benchCluster(): Promise<{
  sandbox: SandboxInfo;
  scratch: string;
  done(): Promise<void>;
}> {
  const scratch = await mkdtemp(join(tmpdir(), "stackwarden-bench-"));
  const options = {
    name: "bench",
    env: { ...process.env, STACKWARDEN_STATE_DIR: join(scratch, "state") },
    log: (line: string) => void process.stderr.write(`${line}\n`),
  };
  const sandbox = await sandboxUp(options);
  return {
    sandbox,
    scratch,
    done: async () => {
      await sandboxDown(options);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
