/**
 * The versions the sandbox is built from. `src/sandbox/go/go.mod` must agree;
 * `versions.test.ts` checks that it does.
 */
export const kubernetesVersion = "v1.36.3";
export const kwokVersion = "v0.8.0";
export const etcdVersion = "v3.6.8";

/** The staging modules' version for a Kubernetes release: v1.N.P ↔ v0.N.P. */
export function stagingVersion(kubernetes: string): string {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(kubernetes);
  if (!m) throw new Error(`not a Kubernetes release version: ${kubernetes}`);
  return `v0.${m[1]}.${m[2]}`;
}
