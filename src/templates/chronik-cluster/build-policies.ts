import type { ChronikClusterSpec } from "../../api/chronik-cluster.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { desiredReplicas, roleInfo, roleName, type ChronikRole } from "./roles.ts";

/** The PodDisruptionBudget of a role: `<cluster>-<role>-pdb`. */
export const pdbName = (cluster: string, role: ChronikRole): string => `${roleName(cluster, role)}-pdb`;
/** The HorizontalPodAutoscaler of a role: `<cluster>-<role>-hpa`. */
export const hpaName = (cluster: string, role: ChronikRole): string => `${roleName(cluster, role)}-hpa`;

/**
 * The role's PodDisruptionBudget `<cluster>-<role>-pdb`, or null when it
 * does not apply: with `podDisruptionBudget` set, its `minAvailable` or
 * `maxUnavailable`; otherwise `maxUnavailable: 1` once the role can have
 * two or more pods (a budget over one pod only blocks node drains).
 */
export function buildNodePdb(cluster: string, spec: ChronikClusterSpec, role: ChronikRole): Manifest | null {
  const info = roleInfo(role);
  const hpa = spec.autoscaling?.[info.replicasField];
  const most = Math.max(desiredReplicas(spec, role), hpa?.maxReplicas ?? 0);
  const budget = spec.podDisruptionBudget;
  const given = budget?.minAvailable !== undefined || budget?.maxUnavailable !== undefined;
  if (!given && most < 2) return null;
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: pdbName(cluster, role) },
    spec: {
      selector: { matchLabels: selectorLabels({ stack: cluster, component: info.component }) },
      ...(given
        ? {
            ...(budget.minAvailable !== undefined && { minAvailable: budget.minAvailable }),
            ...(budget.maxUnavailable !== undefined && { maxUnavailable: budget.maxUnavailable }),
          }
        : { maxUnavailable: 1 }),
    },
  };
}

/**
 * A custom metric as an autoscaling/v2 metric: `Utilization` a Resource metric's average
 * utilization, `AverageValue` a Pods metric's average, `Value` an External metric's value.
 */
function customMetric(m: { name: string; targetType: string; targetValue: string }): Record<string, unknown> {
  const metric = { name: m.name };
  if (m.targetType === "Utilization")
    return {
      type: "Resource",
      resource: { name: m.name, target: { type: "Utilization", averageUtilization: Number(m.targetValue) } },
    };
  if (m.targetType === "AverageValue")
    return { type: "Pods", pods: { metric, target: { type: "AverageValue", averageValue: m.targetValue } } };
  return { type: "External", external: { metric, target: { type: "Value", value: m.targetValue } } };
}

/**
 * The role's HorizontalPodAutoscaler `<cluster>-<role>-hpa` (autoscaling/v2)
 * scaling its StatefulSet between `minReplicas` and `maxReplicas` on the
 * CPU and memory utilization targets and custom metrics given (CPU 80% when none is), or null
 * without `autoscaling` for the role.
 */
export function buildNodeHpa(cluster: string, spec: ChronikClusterSpec, role: ChronikRole): Manifest | null {
  const scaling = spec.autoscaling?.[roleInfo(role).replicasField];
  if (!scaling) return null;
  const target = (name: string, averageUtilization: number): Record<string, unknown> => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization } },
  });
  const cpu = scaling.targetCpuUtilizationPercentage;
  const memory = scaling.targetMemoryUtilizationPercentage;
  const custom = scaling.customMetrics ?? [];
  const metrics = [
    ...(cpu !== undefined || (memory === undefined && custom.length === 0) ? [target("cpu", cpu ?? 80)] : []),
    ...(memory !== undefined ? [target("memory", memory)] : []),
    ...custom.map(customMetric),
  ];
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: hpaName(cluster, role) },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: roleName(cluster, role) },
      minReplicas: scaling.minReplicas,
      maxReplicas: scaling.maxReplicas,
      metrics,
    },
  };
}
