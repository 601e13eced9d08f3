import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { toError } from "../../engine/errors.ts";

/** Where an observer pass failed: reading the store before it wrote, or the one write transaction. */
export type ObserverStage = "read" | "write";

/** How one cluster's observer is doing, as `GET /api/v1/clusters` answers it (per replica). */
export interface ObserverHealthReport {
  /** Failed passes since this process started. */
  readonly failures: number;
  readonly lastFailure: { readonly at: string; readonly stage: ObserverStage; readonly error: string } | null;
  /** The last pass whose writes committed. */
  readonly lastWriteAt: string | null;
}

const failuresMetric = "stackwarden_observer_failures_total";

function failuresCounter(registry: Registry): Counter<"cluster" | "stage"> {
  const existing = registry.getSingleMetric(failuresMetric);
  if (existing) return existing as Counter<"cluster" | "stage">;
  return new Counter({
    name: failuresMetric,
    help: "Observer passes that failed, by cluster and stage (read: the store before writing; write: the one transaction of rows and events)",
    labelNames: ["cluster", "stage"],
    registers: [registry],
  });
}

/**
 * The failures of one cluster's observer: each is logged at warn, counted in
 * `stackwarden_observer_failures_total{cluster,stage}` and kept for
 * {@link ObserverHealth.report}. A failed pass wrote nothing and is retried by
 * its queue.
 */
export class ObserverHealth {
  readonly #cluster: string;
  readonly #log: Logger;
  readonly #failures: Counter<"cluster" | "stage">;
  #count = 0;
  #lastFailure: ObserverHealthReport["lastFailure"] = null;
  #lastWriteAt: string | null = null;

  constructor(cluster: string, registry: Registry, log: Logger) {
    this.#cluster = cluster;
    this.#log = log;
    this.#failures = failuresCounter(registry);
    this.#failures.inc({ cluster, stage: "read" }, 0);
    this.#failures.inc({ cluster, stage: "write" }, 0);
  }

  /** Records a failed pass of `stackId` at `stage`. */
  failed(stackId: string, stage: ObserverStage, e: unknown, now = new Date()): void {
    const error = toError(e).message;
    this.#count++;
    this.#lastFailure = { at: now.toISOString(), stage, error };
    this.#failures.inc({ cluster: this.#cluster, stage });
    this.#log.warn(
      { cluster: this.#cluster, stackId, stage, error },
      "observer pass failed; nothing written, retrying",
    );
  }

  /** Records a pass whose writes committed. */
  wrote(now = new Date()): void {
    this.#lastWriteAt = now.toISOString();
  }

  report(): ObserverHealthReport {
    return { failures: this.#count, lastFailure: this.#lastFailure, lastWriteAt: this.#lastWriteAt };
  }
}
