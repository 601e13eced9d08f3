import type { Health } from "./health-verdict.ts";
import { list, obj, str, type Json } from "./object-fields.ts";

/** Container waiting reasons that will not resolve by waiting. */
const failingReasons = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

/**
 * The health of a Pod as Argo CD judges it: Succeeded is Healthy, Failed is
 * Degraded, a container stuck on a failing reason (CrashLoopBackOff, image
 * pull errors, bad config) is Degraded, a running pod that always restarts is
 * Healthy when all its containers are ready, anything else is Progressing.
 */
export function podHealth(spec: Json, status: Json): Health {
  const phase = str(status, "phase");
  if (phase === "Succeeded") return { status: "Healthy", message: "completed" };
  if (phase === "Failed") return { status: "Degraded", message: str(status, "message") || "the pod failed" };
  const containers = [...list(status, "initContainerStatuses"), ...list(status, "containerStatuses")];
  for (const c of containers) {
    const waiting = obj(c, "state", "waiting");
    const reason = str(waiting, "reason");
    if (failingReasons.has(reason)) {
      return {
        status: "Degraded",
        message: `container ${str(c, "name")}: ${reason} ${str(waiting, "message")}`.trim(),
      };
    }
  }
  if (phase === "Running") {
    const restartPolicy = str(spec, "restartPolicy") || "Always";
    const statuses = list(status, "containerStatuses");
    if (restartPolicy === "Always" && statuses.length > 0 && statuses.every((c) => c["ready"] === true)) {
      return { status: "Healthy", message: "all containers ready" };
    }
    return { status: "Progressing", message: "running, waiting for containers to be ready" };
  }
  return { status: "Progressing", message: `phase ${phase || "Pending"}` };
}
