import { Type, type Static, type TOptional, type TSchema } from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { ConditionSchema } from "./stack.ts";
import { customResourceDefinition, type CrdSchema } from "./crd.ts";
import { stringEnum } from "./string-enum.ts";
import {
  ObservabilityPlatformSpecV1alpha1Schema,
  ObservabilityPlatformSpecV1beta1Schema,
  observabilityVersions,
  type ObservabilityVersion,
} from "./observability-platform-spec.ts";

export { observabilityVersions, type ObservabilityVersion } from "./observability-platform-spec.ts";

/** The API group of `ObservabilityPlatform`. */
export const observabilityGroup = "observability.io";
/** How the operator addresses `ObservabilityPlatform` objects: namespaced, read in the `v1alpha1` view (the same object as the stored `v1beta1`, see the CRD). */
export const observabilityPlatformResourceType: ResourceType = {
  group: observabilityGroup,
  version: "v1alpha1",
  kind: "ObservabilityPlatform",
  plural: "observabilityplatforms",
  namespaced: true,
};

const closed = { additionalProperties: false } as const;
const opt = <T extends TSchema>(t: T): TOptional<T> => Type.Optional(t) as TOptional<T>;
const StringMap = Type.Object({}, { additionalProperties: Type.String() });

/**
 * The schema of `ObservabilityPlatform.spec` as the operator reads it (the
 * `v1alpha1` view) and as the template takes it: every field of gunj-operator's
 * v1alpha1 types and of its v1beta1 CRD, closed objects everywhere (unknown
 * fields are rejected as a structural schema rejects them). See
 * `observability-platform-spec.ts` for what differs in `v1beta1`.
 */
export const ObservabilityPlatformSpecSchema = ObservabilityPlatformSpecV1alpha1Schema;
/** The schema of `spec` in `v1beta1`: the same fields, with the v1beta1 defaults and bounds. */
export { ObservabilityPlatformSpecV1beta1Schema };
/** `ObservabilityPlatform.spec` with its defaults applied. */
export type ObservabilityPlatformSpec = Static<typeof ObservabilityPlatformSpecSchema>;

/** The phases of the kind's own status (the engine's are projected onto these). */
export const observabilityPhases = ["Pending", "Installing", "Ready", "Failed", "Upgrading"] as const;
/** One of {@link observabilityPhases}. */
export type ObservabilityPhase = (typeof observabilityPhases)[number];

/** Schema of `status.componentStatus.<component>`: v1alpha1's fields and v1beta1's (`Deploying`, `lastUpdate`, `ready`, `replicas`, `message`). */
export const PlatformComponentStatusSchema = Type.Object(
  {
    phase: opt(stringEnum([...observabilityPhases, "Deploying"])),
    version: opt(Type.String()),
    readyReplicas: opt(Type.Integer({ minimum: 0 })),
    lastUpdateTime: opt(Type.String({ format: "date-time" })),
    lastUpdate: opt(Type.String({ format: "date-time" })),
    ready: opt(Type.Integer({ minimum: 0 })),
    replicas: opt(Type.Integer({ minimum: 0 })),
    message: opt(Type.String()),
  },
  closed,
);

/**
 * Schema of `ObservabilityPlatform.status`, the same in both versions: the
 * design's fields (phase, message, lastReconcileTime, observedGeneration,
 * conditions, componentStatus, endpoints), v1beta1's `health` and `version`,
 * and `stackwarden`, where the engine keeps its own status (preserved as is,
 * never pruned).
 */
export const ObservabilityPlatformStatusSchema = Type.Object(
  {
    phase: opt(stringEnum(observabilityPhases)),
    message: opt(Type.String()),
    lastReconcileTime: opt(Type.String({ format: "date-time" })),
    observedGeneration: opt(Type.Integer({ minimum: 0 })),
    conditions: opt(
      Type.Array(ConditionSchema, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    componentStatus: opt(Type.Object({}, { additionalProperties: PlatformComponentStatusSchema })),
    endpoints: opt(StringMap),
    health: opt(
      Type.Object(
        {
          status: stringEnum(["Healthy", "Degraded", "Unhealthy", "Unknown"]),
          healthyCount: opt(Type.Integer({ minimum: 0 })),
          totalCount: opt(Type.Integer({ minimum: 0 })),
          lastCheck: opt(Type.String({ format: "date-time" })),
        },
        closed,
      ),
    ),
    version: opt(Type.String()),
    stackwarden: opt(Type.Object({}, { "x-kubernetes-preserve-unknown-fields": true })),
  },
  closed,
);
/** `ObservabilityPlatform.status`. */
export type ObservabilityPlatformStatus = Static<typeof ObservabilityPlatformStatusSchema>;

/** An `ObservabilityPlatform` custom resource as the operator reads it. */
export type ObservabilityPlatform = KubeObject & {
  readonly spec: ObservabilityPlatformSpec;
  readonly status?: ObservabilityPlatformStatus & { stackwarden?: unknown };
};

const column = (
  name: string,
  jsonPath: string,
  description: string,
): { name: string; type: "string"; jsonPath: string; description: string } => ({
  name,
  type: "string",
  jsonPath,
  description,
});

/** Printer columns per version: the design's for v1alpha1, gunj's v1beta1 CRD's (Phase, Health, Version) for v1beta1. */
const printerColumns = {
  v1alpha1: [
    column("Phase", ".status.phase", "Current phase of the platform"),
    column("Ready", ".status.conditions[?(@.type=='Ready')].status", "Ready condition status"),
    column("Prometheus", ".status.componentStatus.prometheus.phase", "Prometheus status"),
    column("Grafana", ".status.componentStatus.grafana.phase", "Grafana status"),
    column("Message", ".status.message", "Status message"),
  ],
  v1beta1: [
    column("Phase", ".status.phase", "Current phase of the platform"),
    column("Health", ".status.health.status", "Overall health of the platform"),
    column("Version", ".status.version", "Version of the platform's lead component"),
  ],
};

/**
 * The CRD `observabilityplatforms.observability.io`. Both versions are served
 * and `v1beta1` is stored, with `conversion: None`: each version's schema
 * holds every field of both (its own defaults and bounds apply to objects
 * written in it, and to fields missing when read in it), so an object written
 * in one version reads back whole in the other and nothing is pruned when it
 * is written back — `kubectl get` of either version returns every field the
 * owner set. Both carry the CEL rule refusing a platform that enables no
 * component (`spec.components`). Short names `op` and `ops`, categories
 * `observability` and `platform`, the status subresource, printer columns per
 * version. Same output on every call.
 */
export function observabilityPlatformCrd(): KubeObject & { spec: CrdSchema } {
  const t = observabilityPlatformResourceType;
  const versionOf = (v: ObservabilityVersion, spec: TSchema): CrdSchema => {
    const crd = customResourceDefinition({
      group: t.group,
      version: v,
      kind: t.kind,
      plural: t.plural,
      singular: "observabilityplatform",
      namespaced: true,
      shortNames: ["op", "ops"],
      categories: ["observability", "platform"],
      spec,
      status: ObservabilityPlatformStatusSchema,
      printerColumns: printerColumns[v],
    });
    return { crd, version: { ...(crd.spec["versions"] as CrdSchema[])[0]!, storage: v === "v1beta1" } };
  };
  const alpha = versionOf("v1alpha1", ObservabilityPlatformSpecSchema);
  const beta = versionOf("v1beta1", ObservabilityPlatformSpecV1beta1Schema);
  const crd = alpha["crd"] as KubeObject & { spec: CrdSchema };
  crd.spec["versions"] = observabilityVersions.map((v) => (v === "v1alpha1" ? alpha : beta)["version"]);
  crd.spec["conversion"] = { strategy: "None" };
  return crd;
}
