import { randomBytes } from "node:crypto";
import type { Clock } from "../engine/clock.ts";
import { toError } from "../engine/errors.ts";
import type { KubeClient } from "./client.ts";
import { isAlreadyExists, isNotFound } from "./errors.ts";
import { EventCorrelator, type EventCorrelatorOptions, type EventSeries } from "./event-correlator.ts";
import { toMicroTime } from "./micro-time.ts";
import type { Redactor } from "./redactor.ts";

/** The object an Event is about (`regarding`) or also involves (`related`). */
export interface EventObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Omitted for cluster-scoped objects. */
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** One thing that happened, for people to read with `kubectl events`. */
export interface EventInput {
  readonly type: "Normal" | "Warning";
  /** Why, as one PascalCase word: `DriftCorrected`. */
  readonly reason: string;
  /** What was done or failed, as one PascalCase word: `Apply`. */
  readonly action: string;
  /** For humans; secrets are redacted, and it is cut to 1 KiB. */
  readonly note: string;
  readonly related?: EventObjectReference;
}

export interface EventRecorderOptions {
  readonly client: KubeClient;
  /** The `reportingController` of every Event: `stackwarden.dev/operator`. */
  readonly reportingController?: string;
  /** Which replica reports, e.g. the pod name; at most 128 characters. */
  readonly reportingInstance: string;
  readonly clock?: Clock;
  /** Runs over every note before anything else. */
  readonly redactor?: Redactor;
  /** Limits and grouping; client-go's by default. */
  readonly correlation?: Omit<EventCorrelatorOptions, "clock">;
  readonly log?: (
    level: "info" | "warn" | "error",
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
}

/** The API server's limit on an Event's note, in UTF-8 bytes. */
export const maxNoteBytes = 1024;

/** `note` if it fits in `maxBytes` UTF-8 bytes, else its longest whole-character prefix that fits with `...` after it. */
export function truncateNote(note: string, maxBytes = maxNoteBytes): string {
  if (Buffer.byteLength(note) <= maxBytes) return note;
  let out = "";
  let bytes = 0;
  for (const ch of note) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes - 3) break;
    out += ch;
  }
  return `${out}...`;
}

/** The write state of one Event, attached to its series. */
interface EventWrite {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly series: EventSeries;
  created: boolean;
  writing: boolean;
  /** Occurred again while a write was under way: write once more after it. */
  dirty: boolean;
}

/**
 * Kubernetes Events (events.k8s.io/v1), as client-go's recorder writes them.
 *
 * - `record` never throws and never waits: it decides at once (redact, truncate, rate-limit,
 *   correlate) and writes in the background; failed writes are logged, not retried.
 * - A repeat of an Event (same object, type, reason, action, note and related object) within ten
 *   minutes of the previous one updates that Event's `series` (count and last observed time) with a
 *   merge patch instead of creating another. Writes of one Event never overlap: repeats during a
 *   write are folded into one patch after it, so the series ends at the true count.
 * - Each object may have 25 Events at once and one more every 5 minutes; occurrences beyond that
 *   are dropped and counted in {@link EventRecorder.dropped}.
 * - An Event lives in its object's namespace (`default` for cluster-scoped objects) and is named
 *   `<object name>.<16 random hex digits>`.
 */
export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #controller: string;
  readonly #correlator: EventCorrelator;
  readonly #writes = new WeakMap<EventSeries, EventWrite>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: EventRecorderOptions) {
    this.#o = options;
    this.#controller = options.reportingController ?? "stackwarden.dev/operator";
    this.#correlator = new EventCorrelator({
      ...options.correlation,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  /** Occurrences dropped by the per-object rate limit so far. */
  get dropped(): number {
    return this.#correlator.dropped;
  }

  /** Records that `event` happened to `regarding`. Fire and forget: see the class comment. */
  record(regarding: EventObjectReference, event: EventInput): void {
    try {
      const note = truncateNote(this.#o.redactor?.redact(event.note) ?? event.note);
      const objectKey =
        regarding.uid ??
        `${regarding.apiVersion}/${regarding.kind}/${regarding.namespace ?? ""}/${regarding.name}`;
      const related = event.related ? referenceOf(event.related) : undefined;
      // The related object's identity, not its resourceVersion, which changes with every update.
      const relatedKey = related
        ? [related.apiVersion, related.kind, related.namespace, related.name, related.uid]
        : [];
      const eventKey = JSON.stringify([event.type, event.reason, event.action, note, relatedKey]);
      const c = this.#correlator.correlate(objectKey, eventKey);
      if (c.type === "dropped") return;
      let write = this.#writes.get(c.series);
      if (write === undefined) {
        const namespace = regarding.namespace ?? "default";
        const name = `${regarding.name.slice(0, 236).replace(/[.-]+$/, "")}.${randomBytes(8).toString("hex")}`;
        write = {
          path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events/${name}`,
          body: {
            apiVersion: "events.k8s.io/v1",
            kind: "Event",
            metadata: { name, namespace },
            eventTime: toMicroTime(c.series.firstObservedMs),
            reportingController: this.#controller,
            reportingInstance: this.#o.reportingInstance,
            type: event.type,
            reason: event.reason,
            action: event.action,
            note,
            regarding: referenceOf(regarding),
            ...(related ? { related } : {}),
          },
          series: c.series,
          created: false,
          writing: false,
          dirty: false,
        };
        this.#writes.set(c.series, write);
      }
      this.#schedule(write);
    } catch (e: unknown) {
      this.#o.log?.("error", "could not record an Event", {
        reason: event.reason,
        error: toError(e).message,
      });
    }
  }

  /** Resolves once every write started so far, and any it folded in, has finished. Never rejects. */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #schedule(write: EventWrite): void {
    if (write.writing) {
      write.dirty = true;
      return;
    }
    write.writing = true;
    const p = this.#drain(write).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #drain(write: EventWrite): Promise<void> {
    try {
      do {
        write.dirty = false;
        await this.#write(write);
      } while (write.dirty);
    } finally {
      // In the same turn as the last dirty check, so no occurrence can fall between them.
      write.writing = false;
    }
  }

  async #write(write: EventWrite): Promise<void> {
    const { count, lastObservedMs } = write.series;
    const series = count >= 2 ? { count, lastObservedTime: toMicroTime(lastObservedMs) } : undefined;
    const patch = (): Promise<unknown> =>
      this.#o.client.request("PATCH", write.path, {
        body: { series },
        contentType: "application/merge-patch+json",
      });
    try {
      if (write.created && series) {
        try {
          await patch();
          return;
        } catch (e: unknown) {
          // Events expire (an hour by default): write it afresh under the same name.
          if (!isNotFound(e)) throw e;
        }
      }
      try {
        await this.#o.client.request("POST", write.path.slice(0, write.path.lastIndexOf("/")), {
          body: { ...write.body, ...(series ? { series } : {}) },
        });
      } catch (e: unknown) {
        // An earlier create landed although its answer was lost.
        if (!isAlreadyExists(e)) throw e;
        if (series) await patch();
      }
      write.created = true;
    } catch (e: unknown) {
      this.#o.log?.("warn", "could not write an Event", {
        path: write.path,
        reason: write.body.reason,
        error: toError(e).message,
      });
    }
  }
}

/** The reference fields the API takes, without undefined ones. */
function referenceOf(ref: EventObjectReference): EventObjectReference {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    ...(ref.uid !== undefined ? { uid: ref.uid } : {}),
    ...(ref.resourceVersion !== undefined ? { resourceVersion: ref.resourceVersion } : {}),
  };
}
