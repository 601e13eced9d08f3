/**
 * The agent protocol: what a `stackwarden agent` and the control plane say to
 * each other, and which versions understand each other. Pure (no I/O).
 *
 * Down: `GET …/desired?revision=R&waitMs=N` answers the cluster's desired
 * stacks once their revision differs from R (long poll). Up: `POST
 * …/observations` carries numbered observations; the answer's `ack` is the
 * highest number recorded, so a replay is harmless.
 */
import { createHash } from "node:crypto";
import type { Stack } from "../../api/stack.ts";
import type { DesiredState, DriftPolicyName } from "../store/records.ts";

/** The protocol this build speaks: agents and control planes must agree on major and minor. */
export const agentProtocolVersion = "1.0";

/** The request header that carries the agent's protocol version. */
export const protocolHeader = "stackwarden-agent-protocol";

/** The longest a desired-state long poll waits before answering unchanged. */
export const maxWaitMs = 10_000;

/** How often an agent reports (its heartbeat), besides its long polls. */
export const reportEveryMs = 5_000;

/** An agent not heard from for this long is Disconnected: four missed heartbeats, so a killed agent shows within 20 s. */
export const disconnectedAfterMs = 20_000;

/** One stack the agent must keep in its cluster. */
export interface DesiredStack {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly desiredState: DesiredState;
  readonly driftPolicy: DriftPolicyName;
  /** The Stack resource to apply; null when the stack is to be deleted or its params no longer validate. */
  readonly resource: Stack | null;
}

/** The answer of the desired-state poll. */
export interface DesiredDocument {
  readonly protocol: string;
  readonly cluster: string;
  /** Changes whenever any stack's desired state does; the agent sends it back to wait for the next change. */
  readonly revision: string;
  readonly stacks: readonly DesiredStack[];
}

/** The revision of a set of desired stacks: equal sets give equal revisions. */
export function revisionOf(stacks: readonly DesiredStack[]): string {
  const h = createHash("sha256");
  for (const s of [...stacks].sort((a, b) => a.id.localeCompare(b.id))) {
    h.update(`${s.id}\u0000${s.generation}\u0000${s.desiredState}\u0000${s.driftPolicy}\n`);
  }
  return h.digest("hex").slice(0, 32);
}

/**
 * Undefined when an agent speaking `given` understands this control plane;
 * otherwise a sentence for the agent's operator saying what to upgrade.
 */
export function protocolMismatch(
  given: string | undefined,
  ours: string = agentProtocolVersion,
): string | undefined {
  if (given === undefined || given === "") {
    return `send the agent protocol version in the ${protocolHeader} header; this control plane speaks ${ours}`;
  }
  const parse = (v: string): [number, number] | undefined => {
    const m = /^(\d+)\.(\d+)$/.exec(v);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  };
  const theirs = parse(given);
  const mine = parse(ours);
  if (!theirs || !mine) return `agent protocol ${JSON.stringify(given)} is not a version like ${ours}`;
  if (theirs[0] === mine[0] && theirs[1] === mine[1]) return undefined;
  const older = theirs[0] < mine[0] || (theirs[0] === mine[0] && theirs[1] < mine[1]);
  return older
    ? `the agent speaks protocol ${given}, older than this control plane's ${ours}: upgrade the agent`
    : `the agent speaks protocol ${given}, newer than this control plane's ${ours}: upgrade the control plane or run an agent of the control plane's version`;
}

/** Whether an agent cluster's agent is connected: heard from within {@link disconnectedAfterMs}. Null for a direct cluster. */
export function connectionOf(
  c: { readonly mode: "direct" | "agent"; readonly agentJoined: boolean; readonly lastSeen: string | null },
  now: number,
): "Connected" | "Disconnected" | null {
  if (c.mode !== "agent") return null;
  const seen = c.lastSeen === null ? Number.NEGATIVE_INFINITY : Date.parse(c.lastSeen);
  return c.agentJoined && now - seen <= disconnectedAfterMs ? "Connected" : "Disconnected";
}
