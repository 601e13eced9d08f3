/**
 * A real S3-compatible server for tests: SeaweedFS (`weed mini`, built from
 * its Go module like the other Go tools, src/sandbox/go-tool.ts) on a free
 * port of 127.0.0.1, its data in a scratch folder, with one identity whose
 * keys are random. {@link TestS3.request} speaks the S3 API with curl's SigV4
 * signing, the keys on curl's standard input, never on a command line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Secret } from "@kubernetes/client-node";
import { ensureGoTool, goTools } from "../sandbox/go-tool.ts";
import { eventually } from "./eventually.ts";

/** What an S3 request answered. */
export interface S3Answer {
  readonly status: number;
  /** Header names lowercase; the last value of each. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A running SeaweedFS with S3 on `endpoint`, for one test file. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** A signed request to `path` (`/bucket/key`, with a query if any), path style. */
  request(method: "GET" | "HEAD" | "PUT" | "DELETE", path: string): Promise<S3Answer>;
  /** The keys under `prefix` in `bucket` (ListObjectsV2, one page). */
  keys(bucket: string, prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** The Secret `name` holding `s3`'s keys under the keys a backup target reads by default. */
export function credentialsSecret(s3: TestS3, name: string): V1Secret {
  return {
    metadata: { name },
    stringData: { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
  };
}

/** A TCP port nothing listens on at the moment it is asked. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Builds `weed` when the cache has none, starts it, and waits until S3 answers a signed request. */
export async function startTestS3(): Promise<TestS3> {
  const weed = await ensureGoTool({
    ...goTools.weed,
    env: process.env,
    progress: (l) => void process.stderr.write(`${l}\n`),
  });
  const dir = await mkdtemp(join(tmpdir(), "test-s3-"));
  const accessKey = randomBytes(10).toString("hex");
  const secretKey = randomBytes(20).toString("hex");
  const config = join(dir, "s3.json");
  await writeFile(
    config,
    JSON.stringify({
      identities: [
        {
          name: "test",
          credentials: [{ accessKey, secretKey }],
          actions: ["Admin", "Read", "Write", "List", "Tagging"],
        },
      ],
    }),
    { mode: 0o600 },
  );
  const port = await freePort();
  // Only S3 is wanted: the other services find free ports themselves; nothing calls out.
  const child = spawn(
    weed,
    [
      "mini",
      `-dir=${join(dir, "data")}`,
      "-ip=127.0.0.1",
      "-ip.bind=127.0.0.1",
      `-s3.port=${port}`,
      `-s3.config=${config}`,
      "-s3.port.iceberg=0",
      "-s3.port.lance=0",
      "-webdav=false",
      "-admin.ui=false",
      "-master.telemetry=false",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (log = (log + d).slice(-4000)));
  const s3 = new SeaweedS3(child, dir, `http://127.0.0.1:${port}`, accessKey, secretKey);
  try {
    await eventually(
      "SeaweedFS's S3 to answer a signed ListBuckets",
      async () => {
        if (child.exitCode !== null) throw new Error(`weed exited ${child.exitCode}: ${log}`);
        return (await s3.request("GET", "/")).status === 200 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, explain: () => Promise.resolve(log) },
    );
  } catch (e: unknown) {
    await s3.stop();
    throw e;
  }
  return s3;
}

class SeaweedS3 implements TestS3 {
  readonly region = "us-east-1";
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly #child: ChildProcess;
  readonly #dir: string;

  constructor(child: ChildProcess, dir: string, endpoint: string, accessKey: string, secretKey: string) {
    this.#child = child;
    this.#dir = dir;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  request(method: "GET" | "HEAD" | "PUT" | "DELETE", path: string): Promise<S3Answer> {
    const args = [
      "-K",
      "-",
      "--silent",
      "--show-error",
      "--aws-sigv4",
      `aws:amz:${this.region}:s3`,
      // Headers on standard output before the body (a dump to /dev/stderr crashes curl 7.88 on a socket).
      "--dump-header",
      "-",
      ...(method === "HEAD" ? ["--head"] : ["--request", method]),
      ...(method === "PUT" ? ["--data-binary", ""] : []),
      `${this.endpoint}${path}`,
    ];
    return new Promise((resolve, reject) => {
      const curl = spawn("curl", args, { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      curl.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      curl.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      curl.on("error", reject);
      curl.on("close", (code) => {
        // One header block per response (a 100 Continue comes first); the body follows the last.
        let rest = out;
        let last = "";
        while (rest.startsWith("HTTP/")) {
          const end = rest.indexOf("\r\n\r\n");
          last = end < 0 ? rest : rest.slice(0, end);
          rest = end < 0 ? "" : rest.slice(end + 4);
        }
        const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(last)?.[1] ?? 0);
        if (code !== 0 || status === 0) return reject(new Error(`curl exited ${code}: ${err}`));
        const headers: Record<string, string> = {};
        for (const line of last.split("\r\n").slice(1)) {
          const at = line.indexOf(":");
          if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
        }
        resolve({ status, headers, body: rest });
      });
      curl.stdin.end(`user = "${this.accessKey}:${this.secretKey}"\n`);
    });
  }

  async keys(bucket: string, prefix: string): Promise<string[]> {
    const r = await this.request("GET", `/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
    if (r.status !== 200) throw new Error(`ListObjectsV2 answered ${r.status}: ${r.body}`);
    return [...r.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1] ?? "");
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) {
      const exited = new Promise((resolve) => this.#child.once("exit", resolve));
      this.#child.kill("SIGTERM");
      await exited;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}
