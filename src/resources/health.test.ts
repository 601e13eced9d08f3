import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../api/object.ts";
import { health, type HealthStatus } from "./health.ts";

const o = (kind: string, rest: Record<string, unknown> = {}, generation = 1): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name: "x", generation },
  ...rest,
});
const cond = (type: string, status: string, reason = "", message = ""): object => ({
  type,
  status,
  reason,
  message,
});

const deploymentStatus = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
const stsStatus = {
  observedGeneration: 1,
  replicas: 1,
  readyReplicas: 1,
  updatedReplicas: 1,
  currentRevision: "r1",
  updateRevision: "r1",
};

const cases: Array<{ name: string; object: KubeObject | undefined; status: HealthStatus; message?: RegExp }> =
  [
    { name: "absent object", object: undefined, status: "Missing" },
    {
      name: "object being deleted",
      object: { kind: "ConfigMap", metadata: { name: "x", deletionTimestamp: "t" } },
      status: "Progressing",
    },
    // Deployment
    {
      name: "Deployment rolled out",
      object: o("Deployment", { spec: { replicas: 2 }, status: deploymentStatus }),
      status: "Healthy",
    },
    {
      name: "Deployment paused",
      object: o("Deployment", { spec: { replicas: 2, paused: true }, status: deploymentStatus }),
      status: "Suspended",
    },
    {
      name: "Deployment generation not observed",
      object: o("Deployment", { spec: { replicas: 2 }, status: deploymentStatus }, 2),
      status: "Progressing",
      message: /not observed/,
    },
    {
      name: "Deployment updating",
      object: o("Deployment", { spec: { replicas: 2 }, status: { ...deploymentStatus, updatedReplicas: 1 } }),
      status: "Progressing",
      message: /1 of 2 new replicas/,
    },
    {
      name: "Deployment old replicas pending",
      object: o("Deployment", { spec: { replicas: 2 }, status: { ...deploymentStatus, replicas: 3 } }),
      status: "Progressing",
      message: /1 old replicas/,
    },
    {
      name: "Deployment not available",
      object: o("Deployment", {
        spec: { replicas: 2 },
        status: { ...deploymentStatus, availableReplicas: 1 },
      }),
      status: "Progressing",
      message: /1 of 2 updated replicas available/,
    },
    {
      name: "Deployment deadline exceeded",
      object: o("Deployment", {
        spec: { replicas: 2 },
        status: {
          ...deploymentStatus,
          availableReplicas: 1,
          conditions: [cond("Progressing", "False", "ProgressDeadlineExceeded")],
        },
      }),
      status: "Degraded",
    },
    {
      name: "Deployment with no status yet",
      object: o("Deployment", { spec: { replicas: 1 } }),
      status: "Progressing",
    },
    // StatefulSet
    {
      name: "StatefulSet ready",
      object: o("StatefulSet", { spec: { replicas: 1 }, status: stsStatus }),
      status: "Healthy",
    },
    {
      name: "StatefulSet no status",
      object: o("StatefulSet", { spec: { replicas: 1 } }),
      status: "Progressing",
    },
    {
      name: "StatefulSet generation",
      object: o("StatefulSet", { spec: { replicas: 1 }, status: stsStatus }, 3),
      status: "Progressing",
    },
    {
      name: "StatefulSet pods not ready",
      object: o("StatefulSet", { spec: { replicas: 1 }, status: { ...stsStatus, readyReplicas: 0 } }),
      status: "Progressing",
      message: /0 of 1/,
    },
    {
      name: "StatefulSet revisions differ",
      object: o("StatefulSet", { spec: { replicas: 1 }, status: { ...stsStatus, updateRevision: "r2" } }),
      status: "Progressing",
      message: /revision r2/,
    },
    {
      name: "StatefulSet partition waiting",
      object: o("StatefulSet", {
        spec: { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } },
        status: { ...stsStatus, readyReplicas: 3, updatedReplicas: 1, updateRevision: "r2" },
      }),
      status: "Progressing",
      message: /1 of 2 pods updated/,
    },
    {
      name: "StatefulSet partition done",
      object: o("StatefulSet", {
        spec: { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } },
        status: { ...stsStatus, readyReplicas: 3, updatedReplicas: 2, updateRevision: "r2" },
      }),
      status: "Healthy",
    },
    {
      name: "StatefulSet OnDelete",
      object: o("StatefulSet", {
        spec: { replicas: 1, updateStrategy: { type: "OnDelete" } },
        status: { ...stsStatus, updateRevision: "r2" },
      }),
      status: "Healthy",
    },
    // DaemonSet
    {
      name: "DaemonSet ready",
      object: o("DaemonSet", {
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 2,
          updatedNumberScheduled: 2,
          numberAvailable: 2,
        },
      }),
      status: "Healthy",
    },
    {
      name: "DaemonSet updating",
      object: o("DaemonSet", {
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 2,
          updatedNumberScheduled: 1,
          numberAvailable: 2,
        },
      }),
      status: "Progressing",
    },
    {
      name: "DaemonSet unavailable",
      object: o("DaemonSet", {
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 2,
          updatedNumberScheduled: 2,
          numberAvailable: 1,
        },
      }),
      status: "Progressing",
    },
    { name: "DaemonSet not observed", object: o("DaemonSet", { status: {} }), status: "Progressing" },
    // ReplicaSet
    {
      name: "ReplicaSet ready",
      object: o("ReplicaSet", {
        spec: { replicas: 2 },
        status: { observedGeneration: 1, availableReplicas: 2 },
      }),
      status: "Healthy",
    },
    {
      name: "ReplicaSet waiting",
      object: o("ReplicaSet", {
        spec: { replicas: 2 },
        status: { observedGeneration: 1, availableReplicas: 1 },
      }),
      status: "Progressing",
    },
    {
      name: "ReplicaSet failure",
      object: o("ReplicaSet", {
        spec: { replicas: 2 },
        status: {
          observedGeneration: 1,
          conditions: [cond("ReplicaFailure", "True", "FailedCreate", "quota exceeded")],
        },
      }),
      status: "Degraded",
      message: /quota exceeded/,
    },
    // PVC
    {
      name: "PVC bound",
      object: o("PersistentVolumeClaim", { status: { phase: "Bound" } }),
      status: "Healthy",
    },
    {
      name: "PVC pending",
      object: o("PersistentVolumeClaim", { status: { phase: "Pending" } }),
      status: "Progressing",
    },
    {
      name: "PVC lost",
      object: o("PersistentVolumeClaim", { status: { phase: "Lost" } }),
      status: "Degraded",
    },
    // Service
    { name: "ClusterIP Service", object: o("Service", { spec: { type: "ClusterIP" } }), status: "Healthy" },
    {
      name: "LoadBalancer without address",
      object: o("Service", { spec: { type: "LoadBalancer" }, status: { loadBalancer: {} } }),
      status: "Healthy",
      message: /no load balancer address \(none is provisioned in the sandbox\)/,
    },
    {
      name: "LoadBalancer with address",
      object: o("Service", {
        spec: { type: "LoadBalancer" },
        status: { loadBalancer: { ingress: [{ ip: "10.0.0.1" }] } },
      }),
      status: "Healthy",
      message: /10\.0\.0\.1/,
    },
    // Pod
    {
      name: "Pod running and ready",
      object: o("Pod", {
        spec: {},
        status: { phase: "Running", containerStatuses: [{ name: "c", ready: true }] },
      }),
      status: "Healthy",
    },
    {
      name: "Pod running not ready",
      object: o("Pod", {
        spec: {},
        status: { phase: "Running", containerStatuses: [{ name: "c", ready: false }] },
      }),
      status: "Progressing",
    },
    {
      name: "Pod crash looping",
      object: o("Pod", {
        status: {
          phase: "Running",
          containerStatuses: [
            { name: "c", ready: false, state: { waiting: { reason: "CrashLoopBackOff" } } },
          ],
        },
      }),
      status: "Degraded",
      message: /CrashLoopBackOff/,
    },
    {
      name: "Pod image pull error",
      object: o("Pod", {
        status: {
          phase: "Pending",
          containerStatuses: [{ name: "c", state: { waiting: { reason: "ErrImagePull" } } }],
        },
      }),
      status: "Degraded",
    },
    { name: "Pod pending", object: o("Pod", { status: { phase: "Pending" } }), status: "Progressing" },
    { name: "Pod succeeded", object: o("Pod", { status: { phase: "Succeeded" } }), status: "Healthy" },
    {
      name: "Pod failed",
      object: o("Pod", { status: { phase: "Failed", message: "OOMKilled" } }),
      status: "Degraded",
      message: /OOMKilled/,
    },
    // HPA
    {
      name: "HPA able to scale",
      object: o("HorizontalPodAutoscaler", {
        status: {
          conditions: [
            cond("AbleToScale", "True", "ReadyForNewScale"),
            cond("ScalingActive", "True", "ValidMetricFound"),
          ],
        },
      }),
      status: "Healthy",
    },
    {
      name: "HPA metrics failing",
      object: o("HorizontalPodAutoscaler", {
        status: {
          conditions: [
            cond("AbleToScale", "True", "SucceededGetScale"),
            cond("ScalingActive", "False", "FailedGetResourceMetric", "no metrics"),
          ],
        },
      }),
      status: "Degraded",
      message: /no metrics/,
    },
    {
      name: "HPA scaling inactive",
      object: o("HorizontalPodAutoscaler", {
        status: { conditions: [cond("ScalingActive", "False", "SomethingElse")] },
      }),
      status: "Degraded",
    },
    {
      name: "HPA scaling disabled",
      object: o("HorizontalPodAutoscaler", {
        status: { conditions: [cond("ScalingActive", "False", "ScalingDisabled")] },
      }),
      status: "Suspended",
    },
    {
      name: "HPA without conditions",
      object: o("HorizontalPodAutoscaler", { status: {} }),
      status: "Progressing",
    },
    // PDB
    {
      name: "PDB satisfied",
      object: o("PodDisruptionBudget", {
        status: { observedGeneration: 1, currentHealthy: 2, desiredHealthy: 1 },
      }),
      status: "Healthy",
    },
    {
      name: "PDB short of healthy pods",
      object: o("PodDisruptionBudget", {
        status: { observedGeneration: 1, currentHealthy: 0, desiredHealthy: 1 },
      }),
      status: "Progressing",
    },
    {
      name: "PDB sync failed",
      object: o("PodDisruptionBudget", {
        status: {
          observedGeneration: 1,
          currentHealthy: 0,
          desiredHealthy: 1,
          conditions: [cond("DisruptionAllowed", "False", "SyncFailed", "bad selector")],
        },
      }),
      status: "Degraded",
    },
    { name: "PDB not observed", object: o("PodDisruptionBudget"), status: "Progressing" },
    // Job
    {
      name: "Job complete",
      object: o("Job", { status: { conditions: [cond("Complete", "True")] } }),
      status: "Healthy",
    },
    {
      name: "Job failed",
      object: o("Job", {
        status: { conditions: [cond("Failed", "True", "BackoffLimitExceeded", "too many")] },
      }),
      status: "Degraded",
    },
    { name: "Job running", object: o("Job", { status: { active: 1 } }), status: "Progressing" },
    { name: "Job suspended", object: o("Job", { spec: { suspend: true }, status: {} }), status: "Suspended" },
    // kinds without a health check
    ...["ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy"].map((kind) => ({
      name: `${kind} exists`,
      object: o(kind),
      status: "Healthy" as const,
    })),
  ];

describe("health", () => {
  for (const c of cases) {
    it(c.name, () => {
      const h = health(c.object);
      assert.equal(h.status, c.status, h.message);
      assert.ok(h.message.length > 0);
      if (c.message) assert.match(h.message, c.message);
    });
  }
});
