import { Counter, Gauge, type Registry } from "prom-client";
import type { AgentObservation } from "../store/agent-store.ts";

/** The calls an agent makes to the control plane, as the `call` label names them. */
export type AgentCall = "report" | "desired" | "observations";

/**
 * What `stackwarden agent` serves on `/metrics` (see docs/agent.md): its
 * failed calls, when it last reached the control plane and whether it does
 * now, and what its buffer holds, dropped, had acknowledged and replayed.
 * "Replayed" counts the observations that waited through a failed call (an
 * outage) and were then acknowledged.
 */
export class AgentMetrics {
  readonly #failures: Counter<"call">;
  readonly #lastSuccess: Gauge;
  readonly #connected: Gauge;
  readonly #dropped: Counter;
  readonly #acknowledged: Counter;
  readonly #replayed: Counter;
  #reachable = false;
  /** Observations numbered up to here were buffered while the control plane was unreachable. */
  #waitedThrough = 0;

  constructor(registry: Registry, buffered: () => number) {
    const registers = [registry];
    this.#failures = new Counter({
      name: "stackwarden_agent_control_plane_failures_total",
      help: "Calls to the control plane that failed (unreachable, refused or answered an error), by call",
      labelNames: ["call"],
      registers,
    });
    this.#lastSuccess = new Gauge({
      name: "stackwarden_agent_control_plane_last_success_timestamp_seconds",
      help: "When a call to the control plane last succeeded (Unix time; 0 before the first)",
      registers,
    });
    this.#connected = new Gauge({
      name: "stackwarden_agent_connected",
      help: "1 while the agent's last call to the control plane succeeded, else 0",
      registers,
    });
    new Gauge({
      name: "stackwarden_agent_observations_buffered",
      help: "Observations on disk waiting for the control plane's acknowledgement",
      registers,
      collect() {
        this.set(buffered());
      },
    });
    this.#dropped = new Counter({
      name: "stackwarden_agent_observations_dropped_total",
      help: "Observations the buffer's bound forced out, oldest first (the control plane records the range)",
      registers,
    });
    this.#acknowledged = new Counter({
      name: "stackwarden_agent_observations_acknowledged_total",
      help: "Observations the control plane acknowledged recording",
      registers,
    });
    this.#replayed = new Counter({
      name: "stackwarden_agent_observations_replayed_total",
      help: "Observations buffered while the control plane was unreachable, acknowledged once it was back",
      registers,
    });
    this.#connected.set(0);
    this.#lastSuccess.set(0);
  }

  /** A call succeeded at `now` (ms). */
  succeeded(now: number = Date.now()): void {
    this.#reachable = true;
    this.#connected.set(1);
    this.#lastSuccess.set(now / 1000);
  }

  /** A call failed; observations numbered up to `lastSeq` wait through the outage. */
  failed(call: AgentCall, lastSeq: number): void {
    this.#reachable = false;
    this.#connected.set(0);
    this.#failures.inc({ call });
    this.#waitedThrough = Math.max(this.#waitedThrough, lastSeq);
  }

  /** An observation numbered `seq` was buffered. */
  buffered(seq: number): void {
    if (!this.#reachable) this.#waitedThrough = Math.max(this.#waitedThrough, seq);
  }

  /** The bound forced the oldest observation out. */
  dropped(): void {
    this.#dropped.inc();
  }

  /** The control plane acknowledged everything up to `ack` of `sent`. */
  acknowledged(sent: readonly AgentObservation[], ack: number): void {
    const recorded = sent.filter((o) => o.seq <= ack);
    this.#acknowledged.inc(recorded.length);
    this.#replayed.inc(recorded.filter((o) => o.seq <= this.#waitedThrough).length);
  }
}
