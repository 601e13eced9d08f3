import { latestTransition } from "../../engine/conditions.ts";
import {
  observabilityPlatformCrd,
  observabilityPlatformResourceType,
  type ObservabilityPhase,
  type ObservabilityPlatform,
  type ObservabilityPlatformSpec,
} from "../../api/observability-platform.ts";
import type { Stack, StackStatus } from "../../api/stack.ts";
import type { KubeObject } from "../../api/object.ts";
import { collectorOf, fallbackVersions, isOn } from "../../templates/observability-platform/switches.ts";
import {
  observabilityPlatformTemplateName,
  validateObservabilityPlatform,
} from "../../templates/observability-platform/template.ts";
import {
  haReplicas,
  platformPorts,
  type PlatformComponent,
} from "../../templates/observability-platform/workload.ts";
import { engineStatusField, type KindBinding } from "../kind-binding.ts";

/** The finalizer the operator holds on every `ObservabilityPlatform`. */
export const observabilityPlatformFinalizer = "observability.io/finalizer";

const conditionTypes = ["Ready", "Progressing", "Degraded", "Available"] as const;

/** The engine's phase in this kind's words; Deleting and Paused keep the phase the object had. */
function phaseOf(engine: StackStatus, previous: unknown): ObservabilityPhase {
  switch (engine.phase) {
    case "Pending":
    case "Installing":
    case "Ready":
    case "Upgrading":
    case "Failed":
      return engine.phase;
    default:
      return typeof previous === "string" ? (previous as ObservabilityPhase) : "Pending";
  }
}

/** A component's phase from the engine's component state, in the platform's phase names. */
function componentPhase(c: { phase: string; ready: boolean }, upgrading: boolean): ObservabilityPhase {
  if (c.ready) return "Ready";
  if (c.phase === "Degraded") return "Failed";
  if (c.phase === "Waiting") return "Pending";
  return upgrading ? "Upgrading" : "Installing";
}

/** The version and replica count the spec asks of a component, when it is on. */
function desired(
  spec: ObservabilityPlatformSpec,
  component: PlatformComponent,
): { version: string; replicas: number } | undefined {
  const c = spec.components;
  const am = spec.alerting?.alertmanager;
  switch (component) {
    case "prometheus":
      return c.prometheus && isOn(c.prometheus)
        ? { version: c.prometheus.version, replicas: c.prometheus.replicas }
        : undefined;
    case "grafana":
      return c.grafana && isOn(c.grafana)
        ? { version: c.grafana.version, replicas: c.grafana.replicas }
        : undefined;
    case "loki":
      return c.loki && isOn(c.loki)
        ? { version: c.loki.version || fallbackVersions.loki, replicas: haReplicas(spec, c.loki.replicas) }
        : undefined;
    case "tempo":
      return c.tempo && isOn(c.tempo)
        ? { version: c.tempo.version || fallbackVersions.tempo, replicas: haReplicas(spec, c.tempo.replicas) }
        : undefined;
    case "alertmanager":
      return am && isOn(am)
        ? { version: am.version ?? fallbackVersions.alertmanager, replicas: am.replicas }
        : undefined;
    case "collector": {
      const o = collectorOf(c);
      return o && isOn(o)
        ? { version: o.version ?? fallbackVersions.collector, replicas: o.replicas }
        : undefined;
    }
  }
}

/**
 * The kind's own status for an engine status: phase (engine phases mapped
 * onto Pending | Installing | Ready | Failed | Upgrading; Deleting and Paused
 * keep the last one), message (the Ready condition's, or why it is paused),
 * the four conditions, componentStatus for every enabled component, the
 * Service endpoint of each, observedGeneration, and lastReconcileTime — the
 * latest condition transition, so that a converged platform's status never
 * changes (a clock here would write on every reconcile).
 */
export function projectObservabilityStatus(
  engine: StackStatus,
  object: ObservabilityPlatform,
): Record<string, unknown> {
  const previous = (object.status ?? {}) as Record<string, unknown>;
  const conditions = (engine.conditions ?? []).filter((c) =>
    (conditionTypes as readonly string[]).includes(c.type),
  );
  const paused = engine.conditions?.find((c) => c.type === "Paused" && c.status === "True");
  const ready = engine.conditions?.find((c) => c.type === "Ready");
  const last = latestTransition(engine.conditions);
  const namespace = object.metadata.namespace ?? "default";
  const name = object.metadata.name;
  const upgrading = engine.phase === "Upgrading";
  const before = (previous["componentStatus"] ?? {}) as Record<
    string,
    { phase?: string; lastUpdateTime?: string }
  >;
  const componentStatus: Record<string, unknown> = {};
  const endpoints: Record<string, string> = {};
  for (const component of Object.keys(platformPorts) as PlatformComponent[]) {
    const want = desired(object.spec, component);
    if (!want) continue;
    const state = engine.components?.find((c) => c.name === component);
    const phase = state ? componentPhase(state, upgrading) : "Pending";
    const changed = before[component]?.phase !== phase;
    const lastUpdateTime = changed ? last : (before[component]?.lastUpdateTime ?? last);
    componentStatus[component] = {
      phase,
      version: want.version,
      readyReplicas: state?.ready ? want.replicas : 0,
      ...(lastUpdateTime && { lastUpdateTime }),
    };
    endpoints[component] = `${name}-${component}.${namespace}.svc.cluster.local:${platformPorts[component]}`;
  }
  const message = paused?.message ?? ready?.message ?? "";
  return {
    phase: phaseOf(engine, previous["phase"]),
    message,
    ...(engine.observedGeneration !== undefined && { observedGeneration: engine.observedGeneration }),
    ...(last && { lastReconcileTime: last }),
    conditions,
    componentStatus,
    endpoints,
  };
}

/** Problems the schema cannot express, as `/spec/...: message`. */
export function validateObservabilityPlatformObject(object: ObservabilityPlatform): string[] {
  return validateObservabilityPlatform(object.spec).map((p) => `/spec${p.path}: ${p.message}`);
}

/**
 * `ObservabilityPlatform` bound to the Stack engine: the template
 * `observability-platform` with the spec as its parameters, `spec.paused`
 * honoured, drift enforced, data volumes retained on deletion, the engine's
 * status under `status.stackwarden`, and the design's status projected beside
 * it. Finalizer `observability.io/finalizer`.
 */
export const observabilityPlatformBinding: KindBinding = {
  type: observabilityPlatformResourceType,
  finalizer: observabilityPlatformFinalizer,
  crd: observabilityPlatformCrd,
  asStack: (object: KubeObject): Stack => {
    const o = object as ObservabilityPlatform;
    const status = (o.status as Record<string, unknown> | undefined)?.[engineStatusField] as
      StackStatus | undefined;
    return {
      ...o,
      spec: {
        template: observabilityPlatformTemplateName,
        params: o.spec,
        paused: o.spec.paused === true,
        drift: { policy: "enforce", ignore: [] },
        deletionPolicy: { volumes: "Retain" },
      },
      ...(status ? { status } : {}),
    };
  },
  projectStatus: (engine, object) => projectObservabilityStatus(engine, object as ObservabilityPlatform),
  validate: (object) => validateObservabilityPlatformObject(object as ObservabilityPlatform),
  metricsPrefix: "observability_platform",
};
