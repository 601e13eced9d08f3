import type { Manifest } from "../../resources/manifest.ts";

/** What an HPA needs: the workload it scales and the owner's autoscaling block. */
export interface AutoscalingTarget {
  readonly kind: "Deployment" | "StatefulSet";
  readonly name: string;
  readonly autoscaling: {
    readonly enabled: boolean;
    readonly minReplicas?: number;
    readonly maxReplicas?: number;
    readonly targetCPUUtilizationPercentage: number;
  };
}

/**
 * The workload's HorizontalPodAutoscaler (autoscaling/v2, CPU utilisation),
 * named after the workload; null when autoscaling is off. `minReplicas`
 * defaults to 1, `maxReplicas` to `minReplicas` (the API server requires it
 * when autoscaling is enabled, so the fallback only guards direct use).
 */
export function buildAutoscaler(target: AutoscalingTarget): Manifest | null {
  const a = target.autoscaling;
  if (!a.enabled) return null;
  const min = a.minReplicas ?? 1;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: target.name },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: target.kind, name: target.name },
      minReplicas: min,
      maxReplicas: Math.max(min, a.maxReplicas ?? min),
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: a.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}

/** `replicas`, or nothing when an HPA owns the count (so the operator never fights it). */
export function replicasUnlessAutoscaled(
  replicas: number,
  autoscaling: { readonly enabled: boolean },
): { replicas?: number } {
  return autoscaling.enabled ? {} : { replicas };
}
