#!/usr/bin/env node
// The `stackwarden` command. Stackwarden runs its TypeScript sources directly on
// Node.js 24, which the project pins through the `node` package in
// devDependencies. This launcher is plain JavaScript so that it also starts
// under an older system Node: there it hands over to the pinned Node 24.
import { spawnSync } from "node:child_process";
import module from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "src", "cli", "main.ts");
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
// `up` and `server` run PGlite, which is WebAssembly: V8's optimising tier compiles it into
// hundreds of MB at start-up and keeps ~65 MiB of that resident. Baseline code only
// (--liftoff-only) keeps `up` near 180 MiB instead of 240, at the price of slower PGlite
// statements (docs/performance.md). V8 reads that flag only at start, so the process re-executes
// itself with it, keeping its pid.
const wantsFlags = ["up", "server"].includes(process.argv[2] ?? "") ? ["--liftoff-only"] : [];

if (major > 22 || (major === 22 && minor >= 19)) {
  const missing = wantsFlags.filter((f) => !process.execArgv.includes(f));
  if (missing.length > 0 && typeof process.execve === "function") {
    process.execve(
      process.execPath,
      [process.execPath, ...missing, ...process.execArgv, entry, ...process.argv.slice(2)],
      process.env,
    );
  }
  // Node's compile cache keeps each module's type-stripped source and V8 code on disk (in
  // $NODE_COMPILE_CACHE, or the system's temporary folder): after the first start, Node neither
  // strips types again nor loads the WebAssembly stripper, which stays resident once loaded. The
  // operator starts at about 87 MiB instead of 113 (docs/performance.md). A stale entry is never
  // used (Node checks each source's hash); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  module.enableCompileCache();
  await import(pathToFileURL(entry).href);
} else {
  const pinned = join(root, "node_modules", "node", "bin", "node");
  if (!existsSync(pinned)) {
    process.stderr.write(
      `stackwarden needs Node.js >= 22.19 (this is ${process.version}). Run \`npm install\` in ${root} ` +
        "to get the pinned Node.js 24, or install Node.js 24 LTS.\n",
    );
    process.exit(1);
  }
  const result = spawnSync(pinned, [...wantsFlags, entry, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
