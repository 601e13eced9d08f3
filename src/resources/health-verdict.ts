/**
 * The shape of a health verdict, apart from the judging (`health.ts`,
 * `pod-health.ts`), so that the judges import it and not each other.
 */

/** The health of one object, as Argo CD judges it. */
export type HealthStatus = "Healthy" | "Progressing" | "Degraded" | "Missing" | "Suspended";

/** A health verdict: the status and a message for humans. */
export interface Health {
  readonly status: HealthStatus;
  readonly message: string;
}
