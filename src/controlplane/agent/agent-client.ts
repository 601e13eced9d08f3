import type { AgentObservation, DroppedObservations } from "../store/agent-store.ts";
import { agentProtocolVersion, protocolHeader, type DesiredDocument } from "./protocol.ts";

/** A refusal or failure of the control plane, with its HTTP status (0: not reached). */
export class AgentClientError extends Error {
  override readonly name = "AgentClientError";
  readonly status: number;

  constructor(status: number, message: string, options?: { cause: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** The versions an agent reports. */
export interface AgentReport {
  readonly agentVersion: string;
  readonly kubernetesVersion: string;
}

const loopback = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The control plane's URL, checked: HTTPS, or plain HTTP to this machine only
 * (tests, a port-forward). Throws naming the problem.
 */
export function controlPlaneUrl(given: string): URL {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new Error(`--control-plane ${JSON.stringify(given)} is not a URL`);
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && loopback.has(url.hostname)) return url;
  throw new Error(
    `--control-plane must be an https:// URL (plain http only to localhost), not ${url.origin}`,
  );
}

/**
 * The agent's side of the protocol: outbound requests only, each carrying the
 * protocol version. Non-2xx answers throw {@link AgentClientError} with the
 * problem document's detail (never the credential).
 */
export class AgentClient {
  readonly #base: URL;
  #credential: string | undefined;

  constructor(base: URL, credential?: string) {
    this.#base = base;
    this.#credential = credential;
  }

  /** Uses `credential` from now on (after a join or a rotation). */
  set credential(credential: string) {
    this.#credential = credential;
  }

  /** Trades the join token for the agent's credential. */
  join(joinToken: string, report: AgentReport): Promise<{ cluster: string; credential: string }> {
    return this.#call("POST", "/api/v1/agent/join", { joinToken, ...report });
  }

  /** The cluster's desired stacks; with `revision`, waits up to `waitMs` for them to differ from it. */
  desired(
    cluster: string,
    revision: string | undefined,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<DesiredDocument> {
    const q = revision === undefined ? "" : `?revision=${encodeURIComponent(revision)}&waitMs=${waitMs}`;
    return this.#call("GET", `${this.#cluster(cluster)}/desired${q}`, undefined, signal);
  }

  /** Sends observations; answers the highest sequence number the control plane has recorded. */
  send(
    cluster: string,
    observations: readonly AgentObservation[],
    dropped: DroppedObservations | null,
    signal?: AbortSignal,
  ): Promise<{ ack: number; recorded: number }> {
    const body = dropped ? { observations, dropped } : { observations };
    return this.#call("POST", `${this.#cluster(cluster)}/observations`, body, signal);
  }

  /** Reports versions; answers the highest sequence number recorded so far. */
  report(cluster: string, report: AgentReport, signal?: AbortSignal): Promise<{ ack: number }> {
    return this.#call("POST", `${this.#cluster(cluster)}/report`, report, signal);
  }

  /** Rotates the credential: the answer's replaces the current one, which stops working. */
  rotate(cluster: string): Promise<{ credential: string }> {
    return this.#call("POST", `${this.#cluster(cluster)}/credential`);
  }

  #cluster(cluster: string): string {
    return `/api/v1/agent/clusters/${encodeURIComponent(cluster)}`;
  }

  async #call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { [protocolHeader]: agentProtocolVersion };
    if (this.#credential !== undefined) headers["authorization"] = `Bearer ${this.#credential}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let answer: Response;
    try {
      answer = await fetch(new URL(path, this.#base), {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (e: unknown) {
      throw new AgentClientError(
        0,
        `control plane not reached: ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
        },
      );
    }
    const text = await answer.text();
    if (!answer.ok) {
      let detail = text.slice(0, 500);
      try {
        const given = (JSON.parse(text) as { detail?: unknown }).detail;
        if (typeof given === "string") detail = given;
      } catch {
        // not a problem document: the text as it is
      }
      throw new AgentClientError(answer.status, `${method} ${path}: ${answer.status} ${detail}`);
    }
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }
}
