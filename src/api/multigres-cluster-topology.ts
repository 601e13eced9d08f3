import { Type, type TSchema, type TString } from "@sinclair/typebox";
import {
  BackupConfigSchema,
  EtcdSpecSchema,
  ExternalTopoServerSchema,
  MultigatewaySpecSchema,
  PlacementSchema,
  PvcDeletionPolicySchema,
  ShardConfigSchema,
} from "./multigres-cluster-spec.ts";

/**
 * The topology part of `MultigresCluster.spec` as upstream defines it: cells (failure domains) and
 * databases with their table groups and shards, with upstream's CEL rules.
 */

const closed = { additionalProperties: false } as const;
const opt = <T extends TSchema>(t: T) => Type.Optional(t);
const cel = (rule: string, message: string): { rule: string; message: string } => ({ rule, message });
const dnsName = (maxLength: number): TString =>
  Type.String({ minLength: 1, maxLength, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" });
const templateRef = (): TString => Type.String({ minLength: 1, maxLength: 63 });
const placement = PlacementSchema;

/** A cell's multigateway, its placement and its cell-local topology (a cell's `spec`, and a CellTemplate's). */
export const CellSpecSchema = Type.Object(
  {
    multigateway: opt(MultigatewaySpecSchema),
    multigatewayPlacement: opt(placement),
    localTopoServer: opt(
      Type.Object(
        { etcd: opt(EtcdSpecSchema), external: opt(ExternalTopoServerSchema) },
        {
          ...closed,
          "x-kubernetes-validations": [
            cel("has(self.etcd) || has(self.external)", "must specify either 'etcd' or 'external'"),
            cel("!(has(self.etcd) && has(self.external))", "only one of 'etcd' or 'external' can be set"),
          ],
        },
      ),
    ),
  },
  closed,
);

/** A cell (failure domain): where it is, and its multigateway and local topology, inline or from a CellTemplate. */
export const CellConfigSchema = Type.Object(
  {
    name: dnsName(30),
    zoneId: opt(Type.String({ minLength: 1, maxLength: 63 })),
    region: opt(Type.String({ minLength: 1, maxLength: 63 })),
    metadata: opt(Type.String({ maxLength: 4096 })),
    cellTemplate: opt(templateRef()),
    overrides: opt(
      Type.Object(
        { multigateway: opt(MultigatewaySpecSchema), multigatewayPlacement: opt(placement) },
        closed,
      ),
    ),
    spec: opt(CellSpecSchema),
  },
  {
    ...closed,
    "x-kubernetes-validations": [
      cel("!(has(self.spec) && has(self.cellTemplate))", "cannot specify both 'spec' and 'cellTemplate'"),
      cel("!(has(self.spec) && has(self.overrides))", "cannot specify both 'spec' and 'overrides'"),
      cel("!(has(self.zoneId) && has(self.region))", "cannot specify both 'zoneId' and 'region'"),
      cel("has(self.zoneId) || has(self.region)", "at least one of 'zoneId' or 'region' must be specified"),
    ],
  },
);

/** A table group of a database, with its shards. */
export const TableGroupConfigSchema = Type.Object(
  {
    name: dnsName(25),
    default: opt(Type.Boolean()),
    shards: opt(
      Type.Array(ShardConfigSchema, {
        maxItems: 32,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ),
    backup: opt(BackupConfigSchema),
    pvcDeletionPolicy: opt(PvcDeletionPolicySchema),
  },
  {
    ...closed,
    "x-kubernetes-validations": [
      cel(
        "!has(self.default) || !self.default || self.name == 'default'",
        "the default tablegroup must be named 'default'",
      ),
    ],
  },
);

/** A logical database with its table groups. */
export const DatabaseConfigSchema = Type.Object(
  {
    name: dnsName(30),
    default: opt(Type.Boolean()),
    tablegroups: opt(
      Type.Array(TableGroupConfigSchema, {
        maxItems: 20,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-validations": [
          cel(
            "self.filter(x, has(x.default) && x.default).size() == 1",
            "every database must have exactly one tablegroup marked as default",
          ),
        ],
      }),
    ),
    backup: opt(BackupConfigSchema),
    durabilityPolicy: opt(Type.String()),
  },
  closed,
);
