/**
 * `npm run bundle`: bundles the `stackwarden` command (src/cli/main.ts) into dist/main.js, the code
 * the image runs. Each command stays its own chunk (dist/operator.js, server.js, up.js, agent.js),
 * loaded on demand as `main.ts` imports it, so the operator still never loads the control plane or
 * PGlite.
 *
 * Why: a process that loads hundreds of small modules pays for each of them (a module record, its
 * source text, its scope). From the bundle the operator is ready on a sandbox at 83.5 MiB of RSS
 * after 0.68 CPU-s, against 90.3 MiB and 1.25 CPU-s from the sources (docs/performance.md, round
 * 5). Kept outside the bundle:
 * - PGlite, which loads its WebAssembly and data files from its own package folder;
 * - @kubernetes/client-node, imported only by the game console's first `pods/exec`;
 * - pg's optional native binding, which is never installed.
 * The image installs the production dependencies beside the bundle for those.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { build } from "rolldown";
import { packageRoot } from "../src/sandbox/paths.ts";

/** Packages (and their subpaths) left to Node's resolver at run time. */
const external = ["@electric-sql/pglite", "@kubernetes/client-node", "pg-native"];

const outDir = join(packageRoot, "dist");
await rm(outDir, { recursive: true, force: true });
const started = Date.now();
// `main` is the command; each command's module is an entry too, under its own name, so the
// Dockerfile can import them to fill Node's compile cache without running them.
const entries = ["main", "small-heap", "operator", "server", "up", "agent"];
const output = await build({
  input: Object.fromEntries(entries.map((name) => [name, join(packageRoot, "src", "cli", `${name}.ts`)])),
  platform: "node",
  cwd: packageRoot,
  external: (id) => external.some((name) => id === name || id.startsWith(`${name}/`)),
  output: { dir: outDir, format: "esm", minify: true, entryFileNames: "[name].js" },
});
const chunks = output.output.filter((o) => o.type === "chunk");
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stderr.write(`✔ bundled src/cli/main.ts into ${chunks.length} chunks in dist/ in ${seconds} s\n`);
