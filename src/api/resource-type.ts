/** How a kind of Kubernetes object is addressed: group, version, kind, plural and scope. Pure. */
/** What the API needs to address objects of one kind. */
export interface ResourceType {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** `apps/v1` → ["apps", "v1"]; `v1` → ["", "v1"]. */
export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** The apiVersion string of a resource type. */
export const apiVersionOf = (t: ResourceType): string =>
  t.group === "" ? t.version : `${t.group}/${t.version}`;
