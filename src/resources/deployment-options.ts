/**
 * Where and how Stackwarden's own processes are deployed: shared by the
 * operator's and the control plane's manifests, so `stackwarden manifests`
 * puts both in one namespace from one image.
 */

/** Where and how a Stackwarden Deployment runs. */
export interface DeploymentOptions {
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
}

/** The defaults `deploy/stackwarden.yaml` is generated with. */
export const defaultDeployment: DeploymentOptions = {
  namespace: "stackwarden-system",
  image: "stackwarden/stackwarden:0.1.0",
  replicas: 2,
};
