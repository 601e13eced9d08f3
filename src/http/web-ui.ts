/**
 * Serves the web UI's built files: a file when the path names one inside the
 * folder, else `index.html` (the UI routes in the browser). Never serves a
 * file outside the folder.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import type { FastifyReply } from "fastify";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stackwarden</title></head>
<body><h1>Stackwarden</h1>
<p>The web UI is not built, and this installation cannot build it: vite, a devDependency, is
missing. Run <code>npm install</code> in Stackwarden's folder and start it again; it builds the UI
on start. The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
`;

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Answers a GET for a non-API `path` from `uiDir`, or with a page saying the UI is not built. */
export async function serveUi(
  reply: FastifyReply,
  path: string,
  uiDir: string | undefined,
): Promise<FastifyReply> {
  if (uiDir === undefined) {
    if (path !== "/") return reply.code(404).type("text/plain; charset=utf-8").send("not found\n");
    return reply.type("text/html; charset=utf-8").send(notBuilt);
  }
  const root = resolve(uiDir);
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, "");
  } catch {
    relative = "";
  }
  const candidate = resolve(join(root, relative));
  const inside = candidate === root || candidate.startsWith(root + sep);
  const file = inside && (await isFile(candidate)) ? candidate : join(root, "index.html");
  const type = types[extname(file)] ?? "application/octet-stream";
  return reply
    .type(type)
    .header("cache-control", file.endsWith("index.html") ? "no-cache" : "public, max-age=300")
    .send(createReadStream(file));
}
