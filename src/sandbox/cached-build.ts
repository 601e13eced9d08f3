import { access, constants, mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isErrno, withLock } from "./lock.ts";

/** One cached build output: a folder that appears in the cache only complete. */
export interface CachedBuild {
  /** The cache folder the build's output lives in once complete. */
  readonly dir: string;
  /** The file in `dir` whose presence (executable) means the build is there. */
  readonly binary: string;
  /** The lock serialising builds of this output (several processes may want it at once). */
  readonly lock: string;
  /** Builds into the given empty folder; throws on failure. */
  build(into: string): Promise<void>;
}

/**
 * The path of `dir/binary`, building it first when it is missing. Concurrent callers build once:
 * the others wait on the lock and reuse the result. The build runs in a folder beside `dir` that is
 * renamed into place whole, so a failed or interrupted build leaves nothing in the cache.
 */
export async function ensureCachedBuild(cached: CachedBuild): Promise<string> {
  const binary = join(cached.dir, cached.binary);
  if (await isExecutable(binary)) return binary;
  await mkdir(dirname(cached.dir), { recursive: true });
  return withLock(cached.lock, async () => {
    if (await isExecutable(binary)) return binary;
    const tmpDir = `${cached.dir}.tmp-${process.pid}`;
    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(tmpDir, { recursive: true });
    try {
      await cached.build(tmpDir);
      await rename(tmpDir, cached.dir);
    } catch (e: unknown) {
      await rm(tmpDir, { recursive: true, force: true });
      throw e;
    }
    return binary;
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch (e: unknown) {
    if (isErrno(e, "ENOENT")) return false;
    throw e;
  }
}
