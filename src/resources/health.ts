import type { KubeObject } from "../api/object.ts";
import { condition, list, num, obj, str, type Json } from "./object-fields.ts";
import type { Health } from "./health-verdict.ts";
import { podHealth } from "./pod-health.ts";

export type { Health, HealthStatus } from "./health-verdict.ts";

const healthy = (message: string): Health => ({ status: "Healthy", message });
const progressing = (message: string): Health => ({ status: "Progressing", message });
const degraded = (message: string): Health => ({ status: "Degraded", message });

/**
 * The health of an object as Argo CD judges it, for every kind Stackwarden
 * manages. Pure: reads only the object. An absent object (`undefined`) is
 * Missing; an object being deleted is Progressing; a kind without a health
 * check (ConfigMap, Secret, ServiceAccount, RBAC, …) is Healthy once it exists.
 */
export function health(object: KubeObject | undefined): Health {
  if (!object) return { status: "Missing", message: "the object does not exist" };
  if (object.metadata.deletionTimestamp) return progressing("the object is being deleted");
  const generation = object.metadata.generation ?? 0;
  const spec = obj(object, "spec");
  const status = obj(object, "status");
  switch (object.kind) {
    case "Deployment":
      return deploymentHealth(generation, spec, status);
    case "StatefulSet":
      return statefulSetHealth(generation, spec, status);
    case "DaemonSet":
      return daemonSetHealth(generation, spec, status);
    case "ReplicaSet":
      return replicaSetHealth(generation, spec, status);
    case "PersistentVolumeClaim":
      return pvcHealth(status);
    case "Service":
      return serviceHealth(spec, status);
    case "Pod":
      return podHealth(spec, status);
    case "HorizontalPodAutoscaler":
      return hpaHealth(status);
    case "PodDisruptionBudget":
      return pdbHealth(generation, status);
    case "Job":
      return jobHealth(spec, status);
    default:
      return healthy("exists");
  }
}

function deploymentHealth(generation: number, spec: Json, status: Json): Health {
  if (spec["paused"] === true) return { status: "Suspended", message: "the Deployment is paused" };
  if (generation > num(status, "observedGeneration")) {
    return progressing("waiting for rollout: the controller has not observed the latest generation yet");
  }
  if (str(condition(status, "Progressing") ?? {}, "reason") === "ProgressDeadlineExceeded") {
    return degraded("the Deployment exceeded its progress deadline");
  }
  const replicas = num(spec, "replicas", 1);
  const updated = num(status, "updatedReplicas");
  const available = num(status, "availableReplicas");
  const total = num(status, "replicas");
  if (updated < replicas)
    return progressing(`waiting for rollout: ${updated} of ${replicas} new replicas updated`);
  if (total > updated)
    return progressing(`waiting for rollout: ${total - updated} old replicas pending termination`);
  if (available < updated)
    return progressing(`waiting for rollout: ${available} of ${updated} updated replicas available`);
  return healthy(`${available} of ${replicas} replicas available`);
}

function statefulSetHealth(generation: number, spec: Json, status: Json): Health {
  const observed = num(status, "observedGeneration");
  if (observed === 0 || generation > observed) {
    return progressing("waiting for the StatefulSet controller to observe the latest generation");
  }
  const replicas = num(spec, "replicas", 1);
  const ready = num(status, "readyReplicas");
  if (ready < replicas) return progressing(`waiting for pods to be ready: ${ready} of ${replicas}`);
  const strategy = obj(spec, "updateStrategy");
  const partition = obj(strategy, "rollingUpdate")["partition"];
  if (str(strategy, "type") !== "OnDelete" && typeof partition === "number" && partition > 0) {
    const want = replicas - partition;
    const updated = num(status, "updatedReplicas");
    if (updated < want) return progressing(`partitioned rollout: ${updated} of ${want} pods updated`);
    return healthy(`partitioned rollout complete: ${updated} pods updated`);
  }
  if (str(strategy, "type") === "OnDelete") return healthy(`${ready} pods ready (update strategy OnDelete)`);
  const current = str(status, "currentRevision");
  const update = str(status, "updateRevision");
  if (update !== "" && current !== update) {
    return progressing(
      `rolling update: ${num(status, "updatedReplicas")} of ${replicas} pods at revision ${update}`,
    );
  }
  return healthy(`${ready} of ${replicas} pods ready${update ? ` at revision ${update}` : ""}`);
}

function daemonSetHealth(generation: number, spec: Json, status: Json): Health {
  const observed = num(status, "observedGeneration");
  if (observed === 0 || generation > observed) {
    return progressing("waiting for rollout: the controller has not observed the latest generation yet");
  }
  const desired = num(status, "desiredNumberScheduled");
  const updated = num(status, "updatedNumberScheduled");
  if (str(obj(spec, "updateStrategy"), "type") === "OnDelete") {
    return healthy(`${updated} of ${desired} pods updated (update strategy OnDelete)`);
  }
  if (updated < desired) return progressing(`waiting for rollout: ${updated} of ${desired} pods updated`);
  const available = num(status, "numberAvailable");
  if (available < desired)
    return progressing(`waiting for rollout: ${available} of ${desired} pods available`);
  return healthy(`${available} of ${desired} pods available`);
}

function replicaSetHealth(generation: number, spec: Json, status: Json): Health {
  if (generation > num(status, "observedGeneration")) {
    return progressing("waiting for the ReplicaSet controller to observe the latest generation");
  }
  const failure = condition(status, "ReplicaFailure");
  if (failure && failure["status"] === "True") return degraded(str(failure, "message") || "replica failure");
  const replicas = num(spec, "replicas", 1);
  const available = num(status, "availableReplicas");
  if (available < replicas) return progressing(`waiting for replicas: ${available} of ${replicas} available`);
  return healthy(`${available} of ${replicas} replicas available`);
}

function pvcHealth(status: Json): Health {
  switch (str(status, "phase")) {
    case "Bound":
      return healthy("bound");
    case "Lost":
      return degraded("the claim lost its volume");
    case "Pending":
      return progressing("waiting for a volume to be bound");
    default:
      return progressing("waiting for the claim to be processed");
  }
}

/**
 * A Service is Healthy once it exists. Argo CD calls a LoadBalancer Service
 * without an ingress address Progressing; we call it Healthy with a message,
 * because the sandbox (and many bare-metal clusters) provision no load
 * balancer, and a stack that can never become Ready for that reason would
 * hide every other signal. The message keeps the fact visible.
 */
function serviceHealth(spec: Json, status: Json): Health {
  if (str(spec, "type") !== "LoadBalancer") return healthy("exists");
  const ingress = list(obj(status, "loadBalancer"), "ingress");
  if (ingress.length === 0) return healthy("no load balancer address (none is provisioned in the sandbox)");
  const first = ingress[0] ?? {};
  return healthy(`load balancer at ${str(first, "ip") || str(first, "hostname")}`);
}

/** Condition reasons of an HPA that mean it cannot do its job. */
const hpaFailureReasons = new Set(["InvalidSelector", "InvalidMetricSourceType", "FailedConvertHPA"]);

function hpaHealth(status: Json): Health {
  const conditions = list(status, "conditions");
  for (const c of conditions) {
    const reason = str(c, "reason");
    if (c["status"] === "False" && (reason.startsWith("Failed") || hpaFailureReasons.has(reason))) {
      return degraded(`${str(c, "type")}: ${str(c, "message") || reason}`);
    }
  }
  const active = condition(status, "ScalingActive");
  if (active?.["status"] === "False") {
    if (str(active, "reason") === "ScalingDisabled")
      return { status: "Suspended", message: "scaling is disabled" };
    return degraded(`ScalingActive: ${str(active, "message") || str(active, "reason")}`);
  }
  if (condition(status, "AbleToScale")?.["status"] === "True") return healthy("able to scale");
  return progressing("waiting to autoscale");
}

function pdbHealth(generation: number, status: Json): Health {
  if (Object.keys(status).length === 0 || generation > num(status, "observedGeneration")) {
    return progressing("waiting for the disruption controller to observe the budget");
  }
  const allowed = condition(status, "DisruptionAllowed");
  if (allowed?.["status"] === "False" && str(allowed, "reason") === "SyncFailed") {
    return degraded(str(allowed, "message") || "the disruption controller cannot compute the budget");
  }
  const current = num(status, "currentHealthy");
  const desired = num(status, "desiredHealthy");
  if (current >= desired) return healthy(`${current} healthy pods, ${desired} required`);
  return progressing(`waiting for healthy pods: ${current} of ${desired} required`);
}

function jobHealth(spec: Json, status: Json): Health {
  const failed = condition(status, "Failed");
  if (failed?.["status"] === "True")
    return degraded(str(failed, "message") || str(failed, "reason") || "failed");
  for (const type of ["Complete", "SuccessCriteriaMet"]) {
    if (condition(status, type)?.["status"] === "True") return healthy("completed");
  }
  if (spec["suspend"] === true) return { status: "Suspended", message: "the Job is suspended" };
  return progressing(`running: ${num(status, "active")} active, ${num(status, "succeeded")} succeeded`);
}
