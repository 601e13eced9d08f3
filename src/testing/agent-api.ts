/**
 * Test helpers for the agent's integration tests: calls to the control
 * plane's HTTP API as a user or as an agent (the protocol header always
 * sent), and a cluster's row as `GET /api/v1/clusters` lists it.
 */
import assert from "node:assert/strict";
import { agentProtocolVersion, protocolHeader } from "../controlplane/agent/protocol.ts";

/** A status and a parsed JSON body (`{}` when empty). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Calls to the control plane at `base` (`http://host:port`), as `admin` for the clusters' list. */
export interface ControlPlaneApi {
  readonly call: (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers?: Record<string, string>,
    protocol?: string,
  ) => Promise<ApiAnswer>;
  /** The cluster's entry in `GET /api/v1/clusters`; fails when it is not listed. */
  readonly clusterRow: (name: string) => Promise<Record<string, unknown>>;
}

/** Binds {@link ControlPlaneApi} to a base URL and an admin token. */
export function controlPlaneApi(base: string, admin: () => string): ControlPlaneApi {
  const call: ControlPlaneApi["call"] = async (
    method,
    path,
    token,
    body,
    headers = {},
    protocol = agentProtocolVersion,
  ) => {
    const answer = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...headers,
        authorization: `Bearer ${token}`,
        [protocolHeader]: protocol,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await answer.text();
    return { status: answer.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };
  return {
    call,
    clusterRow: async (name) => {
      const list = await call("GET", "/api/v1/clusters", admin());
      const found = (list.body as unknown as Array<Record<string, unknown>>).find((c) => c["name"] === name);
      assert.ok(found, `cluster ${name} is listed`);
      return found;
    },
  };
}
