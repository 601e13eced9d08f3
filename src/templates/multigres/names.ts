/**
 * The names of a Multigres's children, all `<name>-<component>[-suffix]`.
 * A name of at most 40 characters keeps every one a valid DNS label and
 * every StatefulSet pod's revision label under 63 characters.
 */
export interface MultigresNames {
  readonly etcd: string;
  readonly etcdHeadless: string;
  readonly etcdClient: string;
  readonly multigateway: string;
  readonly multiorch: string;
  readonly multipooler: string;
  readonly multipoolerHeadless: string;
  /** The generated Secret with the postgres superuser's password. */
  readonly postgresSecret: string;
}

/** The longest Multigres name whose children all have valid names. */
export const maxMultigresNameLength = 40;

/** The children's names for a Multigres named `name`. */
export function multigresNames(name: string): MultigresNames {
  return {
    etcd: `${name}-etcd`,
    etcdHeadless: `${name}-etcd-headless`,
    etcdClient: `${name}-etcd`,
    multigateway: `${name}-multigateway`,
    multiorch: `${name}-multiorch`,
    multipooler: `${name}-multipooler`,
    multipoolerHeadless: `${name}-multipooler-headless`,
    postgresSecret: `${name}-postgres`,
  };
}

/** The flags that point a Multigres process at the cluster's etcd (its topology store). */
export function topologyFlags(stack: { readonly name: string; readonly namespace: string }): string[] {
  return [
    `--topo-global-server-addresses=${multigresNames(stack.name).etcdClient}.${stack.namespace}.svc:2379`,
    "--topo-global-root=/multigres/global",
    "--topo-implementation=etcd2",
    "--cell=zone1",
  ];
}
