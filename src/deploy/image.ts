/**
 * Builds the Dockerfile's image with podman, the way CI checks that it starts.
 * No base image can be pulled on these machines, so the base is built locally:
 * a minimal Debian root filesystem from the machine's own apt sources
 * (mmdebstrap), this project's Node.js 24 binary (from the `node` package), the
 * machine's npm and its CA bundle (the registries may sit behind a proxy whose
 * CA only the machine trusts). It is tagged by a hash of all of that and
 * reused while the inputs stay the same. Users build FROM node:24-slim as usual.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withLock } from "../sandbox/lock.ts";
import { cacheDir, packageRoot } from "../sandbox/paths.ts";
import { formatElapsed } from "../sandbox/go-build.ts";

/** The environment podman runs in: this one, with the settings for these machines (runc, cgroupfs). */
export function podmanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: join(packageRoot, "deploy", "image", "containers.conf") };
}

const nodeBinary = join(packageRoot, "node_modules", "node", "bin", "node");
/** The machine's npm package (plain JavaScript), copied into the base so the Dockerfile's `npm ci` runs. */
function npmDir(): string {
  const root = spawnSync("npm", ["root", "--global"], { encoding: "utf8" }).stdout.trim();
  if (!root)
    throw new ImageError("the base image takes the machine's npm, but `npm root --global` found none");
  return join(root, "npm");
}
const caBundle = "/etc/ssl/certs/ca-certificates.crt";
/** The machine's apt sources, which mmdebstrap reads the mirror from (deb822 or one-line style). */
function aptSources(): string {
  const candidates = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];
  return candidates.find((p) => existsSync(p)) ?? "/etc/apt/sources.list";
}
const packages = ["ca-certificates"];
const mmdebstrapArgs = [
  "--quiet",
  "--variant=minbase",
  `--include=${packages.join(",")}`,
  '--aptopt=Acquire::Languages "none"',
  "--dpkgopt=path-exclude=/usr/share/doc/*",
  "--dpkgopt=path-exclude=/usr/share/man/*",
  "--dpkgopt=path-exclude=/usr/share/locale/*",
];
const baseContainerfile = `FROM scratch
ADD rootfs.tar /
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version && npm --version
`;

/** Why the image could not be built or run; the message names the missing tool or the failing step. */
export class ImageError extends Error {
  override readonly name = "ImageError";
}

/** Runs a command, streaming nothing; resolves with its output, rejects with its tail. */
export async function run(command: string, args: readonly string[], cwd = packageRoot): Promise<string> {
  const child = spawn(command, args, { cwd, env: podmanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", (e) =>
      reject(new ImageError(`${command} could not start: ${e.message}`, { cause: e })),
    );
    child.on("close", resolve);
  });
  if (code !== 0) {
    const tail = `${err}${out}`.split("\n").slice(-30).join("\n");
    throw new ImageError(`${command} ${args.slice(0, 3).join(" ")} … failed (exit ${code}):\n${tail}`);
  }
  return out;
}

/** Throws, naming the Debian packages to install, when podman, runc or mmdebstrap is missing. */
export function checkTools(): void {
  const missing = ["podman", "runc", "mmdebstrap"].filter(
    (t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0,
  );
  if (missing.length > 0)
    throw new ImageError(
      `building the image needs ${missing.join(", ")}: apt-get install podman runc mmdebstrap uidmap (.ci/run does)`,
    );
}

function suite(osRelease: string): string {
  const codename = /^VERSION_CODENAME=(.+)$/m.exec(osRelease)?.[1]?.replace(/"/g, "");
  if (!codename) throw new ImageError("/etc/os-release names no VERSION_CODENAME to build the base from");
  return codename;
}

async function hashFile(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/** The base image's tag: a hash of every input (suite, apt sources, packages, Node, npm, CAs). */
export async function baseImageTag(): Promise<string> {
  const hash = createHash("sha256");
  hash.update(suite(await readFile("/etc/os-release", "utf8")));
  hash.update(await readFile(aptSources()));
  hash.update(mmdebstrapArgs.join("\0"));
  hash.update(baseContainerfile);
  hash.update(await hashFile(nodeBinary));
  hash.update(await readFile(join(npmDir(), "package.json")));
  hash.update(await hashFile(caBundle));
  return `localhost/stackwarden-base:${hash.digest("hex").slice(0, 16)}`;
}

function imageExists(tag: string): boolean {
  return spawnSync("podman", ["image", "exists", tag], { env: podmanEnv() }).status === 0;
}

/**
 * Returns the base image's tag, building it first (a few minutes) when podman
 * has none for these inputs. Concurrent callers build once.
 */
export async function ensureBaseImage(progress: (line: string) => void): Promise<string> {
  checkTools();
  const tag = await baseImageTag();
  if (imageExists(tag)) return tag;
  const root = join(cacheDir(process.env), "image");
  await mkdir(root, { recursive: true });
  return withLock(join(root, "base.lock"), async () => {
    if (imageExists(tag)) return tag;
    const started = Date.now();
    progress(`building the base image ${tag} from Debian packages (mmdebstrap); cached by its inputs`);
    const dir = join(root, `base-${process.pid}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    try {
      const codename = suite(await readFile("/etc/os-release", "utf8"));
      await run("mmdebstrap", [...mmdebstrapArgs, codename, join(dir, "rootfs.tar"), aptSources()]);
      await cp(nodeBinary, join(dir, "node"));
      await cp(npmDir(), join(dir, "npm"), { recursive: true });
      await cp(caBundle, join(dir, "ca-certificates.crt"));
      await writeFile(join(dir, "Containerfile"), baseContainerfile);
      await run("podman", ["build", "--network=host", "-t", tag, "-f", "Containerfile", "."], dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    progress(`built the base image in ${formatElapsed(Date.now() - started)}`);
    return tag;
  });
}

/** Builds the Dockerfile's image on `base` as `tag`; returns its size in bytes. */
export async function buildImage(base: string, tag: string): Promise<number> {
  await run("podman", ["build", "--network=host", "--build-arg", `BASE=${base}`, "-t", tag, "."]);
  return Number((await run("podman", ["image", "inspect", "--format", "{{.Size}}", tag])).trim());
}
