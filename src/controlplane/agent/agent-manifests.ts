import type { KubeObject } from "../../api/object.ts";
import { defaultDeployment, type DeploymentOptions } from "../../resources/deployment-options.ts";
import {
  restrictedContainerSecurity,
  restrictedPodSecurity,
  serviceAccountWithClusterRole,
  stackAccessRules,
} from "../manifests.ts";

const name = "stackwarden-agent";
const labels = { "app.kubernetes.io/name": "stackwarden", "app.kubernetes.io/component": "agent" };

/**
 * Everything an agent needs in its cluster, next to the operator (which
 * `deploy/stackwarden.yaml` ships), least privilege: it may write `Stack`
 * resources and only read Events and the kinds a stack owns, never Secrets
 * (the operator is the only writer of children). One replica (one agent per
 * cluster) with its credential and buffer on a PersistentVolumeClaim, the
 * join token mounted from the Secret `stackwarden-agent-join` (key `token`),
 * the control plane's URL from the ConfigMap `stackwarden-agent` (key
 * `controlPlane`); non-root, read-only root filesystem, no Service: it only
 * connects out.
 */
export function agentManifests(options: DeploymentOptions = defaultDeployment): KubeObject[] {
  const { namespace } = options;
  const meta = { name, namespace, labels };
  return [
    ...serviceAccountWithClusterRole(name, namespace, labels, stackAccessRules()),
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: meta,
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    } as KubeObject,
    agentDeployment(options, meta),
  ];
}

function agentDeployment(options: DeploymentOptions, metadata: KubeObject["metadata"]): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          securityContext: { ...restrictedPodSecurity, fsGroup: 65532 },
          containers: [
            {
              name: "agent",
              image: options.image,
              args: [
                "agent",
                "--control-plane=$(STACKWARDEN_CONTROL_PLANE)",
                "--token-file=/etc/stackwarden-agent/token",
                "--state-dir=/var/lib/stackwarden-agent",
              ],
              env: [
                {
                  name: "STACKWARDEN_CONTROL_PLANE",
                  valueFrom: { configMapKeyRef: { name, key: "controlPlane" } },
                },
              ],
              resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
              volumeMounts: [
                { name: "join", mountPath: "/etc/stackwarden-agent", readOnly: true },
                { name: "state", mountPath: "/var/lib/stackwarden-agent" },
              ],
              securityContext: restrictedContainerSecurity,
            },
          ],
          volumes: [
            {
              name: "join",
              secret: {
                secretName: "stackwarden-agent-join",
                items: [{ key: "token", path: "token" }],
                optional: true,
              },
            },
            { name: "state", persistentVolumeClaim: { claimName: name } },
          ],
        },
      },
    },
  } as KubeObject;
}
