import { createHash } from "node:crypto";
import type { KubeObject } from "../api/object.ts";

/** The field manager of every write Stackwarden makes. */
export const fieldManager = "stackwarden";

/** Annotation holding the hash of the configuration we last applied to an object. */
export const appliedHashAnnotation = "stackwarden.dev/applied-hash";

/**
 * The order objects are applied in: each wave completes before the next
 * starts; pruning runs the waves backwards. Kinds not listed go with the
 * Deployments.
 */
export const applyWaves: ReadonlyArray<readonly string[]> = [
  ["Namespace", "CustomResourceDefinition"],
  ["ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
  ["ConfigMap", "Secret"],
  ["PersistentVolumeClaim"],
  ["StatefulSet"],
  ["Service"],
  ["Deployment", "DaemonSet", "Job", "CronJob", "Ingress", "NetworkPolicy"],
  ["PodDisruptionBudget"],
  ["HorizontalPodAutoscaler"],
];

const defaultWave = applyWaves.findIndex((w) => w.includes("Deployment"));

/** The wave a kind is applied in. */
export function waveOf(kind: string): number {
  const i = applyWaves.findIndex((w) => w.includes(kind));
  return i < 0 ? defaultWave : i;
}

/** Groups objects into waves, in apply order, keeping their order within a wave. Empty waves are left out. */
export function groupByWave<T extends { kind?: string }>(objects: readonly T[]): T[][] {
  const waves: T[][] = applyWaves.map(() => []);
  for (const o of objects) waves[waveOf(o.kind ?? "")]?.push(o);
  return waves.filter((w) => w.length > 0);
}

/** A stable hash of an object's applied configuration (key order does not matter). */
export function configHash(o: unknown): string {
  return createHash("sha256").update(stableJson(o)).digest("hex").slice(0, 20);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** `desired` with the applied-hash annotation set to the hash of everything else in it. */
export function withAppliedHash<T extends KubeObject>(desired: T): T {
  const hash = configHash(desired);
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata.annotations, [appliedHashAnnotation]: hash },
    },
  };
}

/**
 * True when `live` already holds everything in `desired`: every field set in
 * `desired` has the same value in `live` (extra fields in `live` — defaults,
 * status, other managers' fields — do not matter). Empty objects, empty lists
 * and nulls in `desired` match a missing field, as the API server drops them.
 */
export function contains(live: unknown, desired: unknown): boolean {
  if (desired === null || desired === undefined) return live === null || live === undefined;
  if (Array.isArray(desired)) {
    if (live === undefined || live === null) return desired.length === 0;
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((d, i) => contains(live[i], d));
  }
  if (typeof desired === "object") {
    const entries = Object.entries(desired as Record<string, unknown>);
    if (live === undefined || live === null)
      return entries.every(([, v]) => contains(undefined, v) || isEmpty(v));
    if (typeof live !== "object" || Array.isArray(live)) return false;
    return entries.every(([k, v]) => contains((live as Record<string, unknown>)[k], v));
  }
  return live === desired;
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v as Record<string, unknown>).every(isEmpty);
  return false;
}

/**
 * Whether applying `desired` (already carrying its applied-hash annotation)
 * would change anything: the object is missing, our last applied
 * configuration differs (a field we stopped setting must be released), or
 * someone changed a field we set (unless `enforce` is false). This is the
 * compare in compare-before-write.
 */
export function needsApply(desired: KubeObject, live: KubeObject | undefined, enforce = true): boolean {
  if (!live) return true;
  if (live.metadata.deletionTimestamp) return false;
  const wanted = desired.metadata.annotations?.[appliedHashAnnotation];
  if (wanted !== undefined && live.metadata.annotations?.[appliedHashAnnotation] !== wanted) return true;
  return enforce && !contains(live, desired);
}
