import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { customResourceDefinition, type CrdSchema } from "./crd.ts";
import { CellSpecSchema } from "./multigres-cluster-topology.ts";
import {
  EtcdSpecSchema,
  PvcDeletionPolicySchema,
  StatelessSpecSchema,
  TopoPlacementSchema,
  poolsMap,
  poolsRules,
  shardBodyFields,
} from "./multigres-cluster-spec.ts";

/**
 * The template kinds a `MultigresCluster` refers to (multigres.com/v1alpha1), as
 * multigres/multigres-operator defines them in `api/v1alpha1/`: `CoreTemplate` (global topology
 * server and multiadmin), `CellTemplate` (a cell's multigateway and local topology) and
 * `ShardTemplate` (a shard's multiorch and pools). Configuration only: no status, no controller
 * of their own; the MultigresCluster binding reads them.
 */

const closed = { additionalProperties: false } as const;
const opt = <T extends TSchema>(t: T) => Type.Optional(t);

const templateType = (kind: string, plural: string): ResourceType => ({
  group: "multigres.com",
  version: "v1alpha1",
  kind,
  plural,
  namespaced: true,
});

/** `CoreTemplate` (`coretemplates`, short name `cot`). */
export const coreTemplateType = templateType("CoreTemplate", "coretemplates");
/** `CellTemplate` (`celltemplates`, short name `cet`). */
export const cellTemplateType = templateType("CellTemplate", "celltemplates");
/** `ShardTemplate` (`shardtemplates`, short name `sht`). */
export const shardTemplateType = templateType("ShardTemplate", "shardtemplates");

/** `CoreTemplate.spec`: upstream's CoreTemplateSpec (a managed etcd only: no external, no templateRef). */
export const CoreTemplateSpecSchema = Type.Object(
  {
    globalTopoServer: opt(
      Type.Object(
        {
          etcd: opt(EtcdSpecSchema),
          pvcDeletionPolicy: opt(PvcDeletionPolicySchema),
          placement: opt(TopoPlacementSchema),
        },
        {
          ...closed,
          "x-kubernetes-validations": [
            { rule: "has(self.etcd)", message: "must specify 'etcd' configuration" },
          ],
        },
      ),
    ),
    multiadmin: opt(StatelessSpecSchema),
    multiadminWeb: opt(StatelessSpecSchema),
  },
  closed,
);

/** `CellTemplate.spec`: upstream's CellTemplateSpec, the same fields as a cell's inline `spec`. */
export const CellTemplateSpecSchema = CellSpecSchema;

/** `ShardTemplate.spec`: upstream's ShardTemplateSpec (pool names below 63 characters, not 25 as inline). */
export const ShardTemplateSpecSchema = Type.Object(
  {
    ...shardBodyFields,
    pools: opt(poolsMap(poolsRules("self.all(key, size(key) < 63)", "pool names must be < 63 chars"))),
    pvcDeletionPolicy: opt(PvcDeletionPolicySchema),
  },
  closed,
);

/** A CoreTemplate's spec as written. */
export type CoreTemplateSpec = Static<typeof CoreTemplateSpecSchema>;
/** A CellTemplate's spec as written. */
export type CellTemplateSpec = Static<typeof CellTemplateSpecSchema>;
/** A ShardTemplate's spec as written. */
export type ShardTemplateSpec = Static<typeof ShardTemplateSpecSchema>;

function templateCrd(
  type: ResourceType,
  singular: string,
  shortName: string,
  spec: TSchema,
): KubeObject & { spec: CrdSchema } {
  const crd = customResourceDefinition({
    ...type,
    singular,
    shortNames: [shortName],
    spec,
    status: Type.Object({}),
    printerColumns: [],
  });
  // Upstream's template kinds have neither a status nor a required spec.
  const version = (crd.spec["versions"] as Array<Record<string, unknown>>)[0]!;
  delete version["subresources"];
  const root = (version["schema"] as { openAPIV3Schema: CrdSchema }).openAPIV3Schema;
  delete (root["properties"] as CrdSchema)["status"];
  delete root["required"];
  return crd;
}

/** The CRD `coretemplates.multigres.com`. Same output on every call. */
export const coreTemplateCrd = (): KubeObject & { spec: CrdSchema } =>
  templateCrd(coreTemplateType, "coretemplate", "cot", CoreTemplateSpecSchema);
/** The CRD `celltemplates.multigres.com`. Same output on every call. */
export const cellTemplateCrd = (): KubeObject & { spec: CrdSchema } =>
  templateCrd(cellTemplateType, "celltemplate", "cet", CellTemplateSpecSchema);
/** The CRD `shardtemplates.multigres.com`. Same output on every call. */
export const shardTemplateCrd = (): KubeObject & { spec: CrdSchema } =>
  templateCrd(shardTemplateType, "shardtemplate", "sht", ShardTemplateSpecSchema);
