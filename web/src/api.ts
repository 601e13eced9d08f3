/**
 * The control plane's REST API as the UI uses it: one `request` that sends
 * the session's Bearer token, reads problem+json errors into {@link ApiError}
 * (with the field problems of a 422), and the types of what comes back.
 * Every path the UI calls is in this file.
 */

import type { ClusterRecord, Role, StackRecord } from "../../src/controlplane/store/records.ts";
import type { BackupRecord } from "../../src/controlplane/store/backup-store.ts";
import type { ScheduleRecord } from "../../src/controlplane/store/schedule-store.ts";

// The shapes the server sends are its own record types (type-only imports: nothing of the server
// reaches the bundle), so the UI cannot drift from what the API answers.
export type { Role } from "../../src/controlplane/store/records.ts";

export interface Me {
  readonly name: string;
  readonly role: Role;
}

/** A cluster as `GET /clusters` lists it: an agent cluster's `connection` is null for direct ones. */
export interface Cluster extends ClusterRecord {
  readonly connection: "Connected" | "Disconnected" | null;
}

/** A stack's desired state, as `StackRecord` in the store. */
export type Stack = StackRecord;

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export interface ComponentStatus {
  readonly name: string;
  readonly phase?: string;
  readonly ready?: boolean;
  readonly readyReplicas?: number;
  readonly replicas?: number;
  readonly message?: string;
  /** Ready replicas out of all, e.g. "1/2", when the component tracks a workload. */
  readonly progress?: string;
}

export interface Observed {
  readonly phase: string | null;
  readonly observedGeneration: number | null;
  readonly conditions: readonly Condition[];
  readonly components: readonly ComponentStatus[];
  readonly ready: string | null;
  readonly message: string;
  readonly observedAt: string;
}

export interface ManagedResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly component: string;
  readonly health: string;
  readonly managed: boolean;
  readonly lastSeenAt: string;
  readonly deletedAt: string | null;
}

/** A stack as listed: the desired state and, when known, what was observed. */
export interface StackSummary {
  readonly stack: Stack;
  readonly observed: Observed | null;
}

export interface StackDetail extends StackSummary {
  readonly resources: readonly ManagedResource[];
  /** Game servers: where players connect; null for other templates. */
  readonly connection?: Connection | null;
}

/** Where players connect (`GET /stacks/{id}` → `connection`). */
export interface Connection {
  readonly kind: "LoadBalancer" | "NodePort" | "ClusterIP" | "None";
  readonly addresses: ReadonlyArray<{
    readonly host: string;
    readonly port: number;
    readonly protocol: string;
  }>;
  readonly hint?: string;
}

/** What a console command answered (null output: the console does not reply; see the log). */
export interface ConsoleAnswer {
  readonly command: string;
  readonly output: string | null;
  readonly pod: string;
}

/** A backup of a game server's world (`GET /stacks/{id}/backups`). */
export type Backup = BackupRecord;
/** A cron schedule of a game server (`GET /stacks/{id}/schedules`). */
export type Schedule = ScheduleRecord;
/** What `POST /stacks/{id}/schedules` takes. */
export interface NewSchedule {
  readonly cron: string;
  readonly timeZone: string;
  readonly action: Schedule["action"];
  readonly command?: string;
  readonly missed?: Schedule["missed"];
}

export interface Template {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly paramSchema: Record<string, unknown>;
  readonly defaults: Record<string, unknown>;
  readonly guardrails: { readonly immutable: readonly string[]; readonly adoptable: readonly string[] };
}

export interface StackEvent {
  readonly id: number;
  readonly stackId: string | null;
  readonly source: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly actor: string;
  readonly createdAt: string;
}

/** A problem the server named a field for (a JSON pointer such as `/params/memory`). */
export interface ProblemField {
  readonly path: string;
  readonly message: string;
}

/** A failed request: the HTTP status and the problem document's title, detail and field problems. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: readonly ProblemField[];
  /** On a 409 for a stale If-Match: the stack's generation now. */
  readonly currentGeneration: number | undefined;
  constructor(status: number, message: string, errors: readonly ProblemField[], currentGeneration?: number) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errors = errors;
    this.currentGeneration = currentGeneration;
  }
}

const tokenKey = "stackwarden.token";

/** The session's token (kept in sessionStorage: gone when the tab closes). */
export const session = {
  token(): string | null {
    return sessionStorage.getItem(tokenKey);
  },
  set(token: string): void {
    sessionStorage.setItem(tokenKey, token);
  },
  clear(): void {
    sessionStorage.removeItem(tokenKey);
  },
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

async function problemOf(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const b = isObject(body) ? body : {};
  const errors = Array.isArray(b["errors"])
    ? b["errors"].filter(isObject).map((e) => ({ path: text(e["path"]), message: text(e["message"]) }))
    : [];
  const message = [text(b["title"]), text(b["detail"])].filter((s) => s !== "").join(": ");
  const current = b["currentGeneration"];
  return new ApiError(
    res.status,
    message || `${res.status} ${res.statusText}`,
    errors,
    typeof current === "number" ? current : undefined,
  );
}

interface RequestOptions {
  readonly body?: unknown;
  readonly ifMatch?: number;
  readonly token?: string;
  readonly signal?: AbortSignal;
}

/** Calls the API; resolves with the parsed JSON body (undefined for 204), rejects with {@link ApiError}. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const token = options.token ?? session.token();
  if (token) headers["authorization"] = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.ifMatch !== undefined) headers["if-match"] = String(options.ifMatch);
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  if (options.signal) init.signal = options.signal;
  const res = await fetch(`/api/v1${path}`, init);
  if (!res.ok) {
    const error = await problemOf(res);
    if (res.status === 401) window.dispatchEvent(new CustomEvent("stackwarden:unauthorized"));
    throw error;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Items of a listing, whether the server sends `{items}` or a bare array. */
function itemsOf<T>(body: unknown): { items: T[]; nextCursor: string | null } {
  if (Array.isArray(body)) return { items: body as T[], nextCursor: null };
  const b = isObject(body) ? body : {};
  const items = Array.isArray(b["items"]) ? (b["items"] as T[]) : [];
  const next = b["nextCursor"];
  return { items, nextCursor: typeof next === "string" && next !== "" ? next : null };
}

/** A stack as the list or get endpoint sends it: `{stack, observed, resources}` or the stack's fields at the top. */
function detailOf(raw: unknown): StackDetail {
  const r = isObject(raw) ? raw : {};
  const stack = (isObject(r["stack"]) ? r["stack"] : r) as unknown as Stack;
  const observed = isObject(r["observed"]) ? (r["observed"] as unknown as Observed) : null;
  const resources = Array.isArray(r["resources"]) ? (r["resources"] as ManagedResource[]) : [];
  const connection = isObject(r["connection"]) ? (r["connection"] as unknown as Connection) : null;
  return { stack, observed, resources, connection };
}

const q = (params: Record<string, string | number | undefined>): string => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : "";
};

/** The calls the pages make. */
export const api = {
  whoami: async (token?: string): Promise<Me> => {
    const body = await request<Json>("GET", "/whoami", token ? { token } : {});
    const user = isObject(body["user"]) ? body["user"] : body;
    return { name: text(user["name"]), role: (user["role"] ?? "viewer") as Role };
  },
  templates: async (): Promise<Template[]> => itemsOf<Template>(await request("GET", "/templates")).items,
  stacks: async (cursor?: string): Promise<{ items: StackDetail[]; nextCursor: string | null }> => {
    const page = itemsOf<unknown>(await request("GET", `/stacks${q({ limit: 100, cursor })}`));
    return { items: page.items.map(detailOf), nextCursor: page.nextCursor };
  },
  /** A stack with its managed objects, replaced and deleted ones (old UIDs) included. */
  stack: async (id: string): Promise<StackDetail> =>
    detailOf(await request("GET", `/stacks/${id}?history=true`)),
  createStack: async (body: {
    template: string;
    version?: string;
    cluster?: string;
    namespace: string;
    name: string;
    params: Record<string, unknown>;
  }): Promise<Stack> => detailOf(await request("POST", "/stacks", { body })).stack,
  updateParams: async (id: string, generation: number, params: Record<string, unknown>): Promise<Stack> =>
    detailOf(await request("PUT", `/stacks/${id}`, { body: { params }, ifMatch: generation })).stack,
  action: (id: string, action: "pause" | "resume" | "reconcile"): Promise<unknown> =>
    request("POST", `/stacks/${id}/${action}`),
  deleteStack: (id: string): Promise<unknown> => request("DELETE", `/stacks/${id}`),
  events: async (stackId?: string): Promise<StackEvent[]> =>
    itemsOf<StackEvent>(
      await request(
        "GET",
        stackId ? `/stacks/${stackId}/events${q({ limit: 200 })}` : `/events${q({ limit: 200 })}`,
      ),
    ).items,
  /** Runs a game server's console command. */
  console: (id: string, command: string): Promise<ConsoleAnswer> =>
    request("POST", `/stacks/${id}/console`, { body: { command } }),
  /** Stops, starts or restarts a game server (a restart may broadcast first). */
  power: (id: string, action: "stop" | "start" | "restart", broadcast?: string): Promise<unknown> =>
    request("POST", `/stacks/${id}/${action}`, broadcast ? { body: { broadcast } } : { body: {} }),
  backups: async (id: string): Promise<Backup[]> =>
    itemsOf<Backup>(await request("GET", `/stacks/${id}/backups`)).items,
  /** Starts a backup (answers it Running); `keepLast` deletes all but the newest N once it is made. */
  backupNow: (id: string, keepLast?: number): Promise<Backup> =>
    request("POST", `/stacks/${id}/backups`, {
      body: keepLast !== undefined ? { retention: { keepLast } } : {},
    }),
  deleteBackup: (id: string, backupId: string): Promise<unknown> =>
    request("DELETE", `/stacks/${id}/backups/${backupId}`),
  /** Restores a backup; `stopFirst` runs stop → restore → start on a running server. */
  restoreBackup: (id: string, backupId: string, stopFirst: boolean): Promise<Backup> =>
    request("POST", `/stacks/${id}/backups/${backupId}/restore`, { body: stopFirst ? { stopFirst } : {} }),
  schedules: async (id: string): Promise<Schedule[]> =>
    itemsOf<Schedule>(await request("GET", `/stacks/${id}/schedules`)).items,
  createSchedule: (id: string, body: NewSchedule): Promise<Schedule> =>
    request("POST", `/stacks/${id}/schedules`, { body }),
  deleteSchedule: (id: string, scheduleId: string): Promise<unknown> =>
    request("DELETE", `/stacks/${id}/schedules/${scheduleId}`),
  /** The API path of a game server's followed log (SSE of pod, line, waiting events). */
  logsPath: (id: string, tailLines: number): string =>
    `/stacks/${id}/logs${q({ follow: "true", tailLines })}`,
  /** Every cluster with its mode, connection, last contact, versions and stack count (admins). */
  clusters: (): Promise<Cluster[]> => request("GET", "/clusters"),
  /** Registers an agent cluster; the answer's join token is shown this once. */
  registerAgentCluster: (name: string): Promise<Cluster & { joinToken: string }> =>
    request("POST", "/clusters", { body: { name, mode: "agent" } }),
  /** Revokes an agent's credential at once. */
  revokeAgent: (name: string): Promise<unknown> => request("DELETE", `/clusters/${name}/agent-credential`),
  /** The API path of an event stream (see useEventStream). */
  streamPath: (stackId?: string): string => (stackId ? `/stacks/${stackId}/events/stream` : "/events/stream"),
};

/** What a role may do: viewers look, operators change stacks, admins too. */
export function canWrite(role: Role | undefined): boolean {
  return role === "operator" || role === "admin";
}
