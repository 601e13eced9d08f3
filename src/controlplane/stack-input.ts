/**
 * The request bodies of the stack operations, as TypeBox schemas: the
 * service validates with them and the OpenAPI document shows them.
 */
import { Type, type Static } from "@sinclair/typebox";
import { stringEnum } from "../api/string-enum.ts";
import { driftPolicies } from "./store/records.ts";

/** A Kubernetes name that must be a DNS-1123 label: what namespaces and Stack names are. */
export const dnsLabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DnsLabel = Type.String({
  pattern: dnsLabelPattern,
  maxLength: 63,
  errorMessage:
    "must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
});

/** `drift`: the stack's policy and the fields never fought over. */
export const DriftSchema = Type.Object(
  {
    policy: stringEnum(driftPolicies, { default: "enforce" }),
    ignore: Type.Array(
      Type.Object(
        {
          kind: Type.String({ minLength: 1 }),
          name: Type.Optional(Type.String({ minLength: 1 })),
          jsonPointer: Type.String({ pattern: "^(/[^/]*)+$" }),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

const Params = Type.Record(Type.String(), Type.Unknown(), { default: {} });

/** The body of `POST /api/v1/stacks`. */
export const CreateStackSchema = Type.Object(
  {
    template: Type.String({ minLength: 1, maxLength: 253 }),
    /** Without it, the newest version of the template. */
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Without it, the only cluster when there is exactly one. */
    cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    namespace: DnsLabel,
    name: DnsLabel,
    params: Params,
    drift: Type.Optional(DriftSchema),
  },
  { additionalProperties: false },
);
export type CreateStackInput = Static<typeof CreateStackSchema>;

/** The body of `PUT`/`PATCH /api/v1/stacks/{id}`: new params (replaced or merge-patched), version, drift. */
export const UpdateStackSchema = Type.Object(
  {
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    drift: Type.Optional(DriftSchema),
  },
  { additionalProperties: false },
);
export type UpdateStackInput = Static<typeof UpdateStackSchema>;
