/**
 * The shapes the API answers with, as JSON Schemas for the OpenAPI document.
 * Each mirrors a record of the store (controlplane/store/records.ts) minus
 * anything secret (kubeconfigs, token hashes).
 */
import { Type, type TSchema } from "@sinclair/typebox";
import { stringEnum } from "../../api/string-enum.ts";
import {
  desiredStates,
  driftPolicies,
  powerStates,
  roles,
  statusSummaries,
} from "../../controlplane/store/records.ts";

const Json = Type.Record(Type.String(), Type.Unknown());
const Time = Type.String({ format: "date-time" });

/** A stack's desired state (`StackRecord`). */
export const StackSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    template: Type.String(),
    templateVersion: Type.String(),
    cluster: Type.String(),
    namespace: Type.String(),
    name: Type.String(),
    params: Json,
    generation: Type.Integer(),
    lastAppliedGeneration: Type.Integer(),
    desiredState: stringEnum(desiredStates),
    statusSummary: stringEnum(statusSummaries),
    drift: Type.Object({
      policy: stringEnum(driftPolicies),
      ignore: Type.Array(Json),
    }),
    power: stringEnum(powerStates),
    restartedAt: Type.Union([Type.String(), Type.Null()]),
    powerGeneration: Type.Union([Type.Integer(), Type.Null()]),
    removedAt: Type.Union([Time, Type.Null()]),
    createdAt: Time,
    createdBy: Type.String(),
    updatedAt: Time,
    updatedBy: Type.String(),
  },
  { $id: "Stack" },
);

/** A stack as listed: its desired state and its observed cache (`ObservedRecord`, null until first seen). */
export const StackListItemSchema = Type.Intersect(
  [Type.Ref("Stack"), Type.Object({ observed: Type.Union([Json, Type.Null()]) })],
  { $id: "StackListItem" },
);

/** A stack with its observed cache and managed objects. */
export const StackDetailSchema = Type.Object(
  {
    stack: Type.Ref("Stack"),
    clusterUnreachable: Type.Optional(
      Type.Union(
        [Type.Object({ since: Type.Union([Time, Type.Null()]), message: Type.String() }), Type.Null()],
        {
          description:
            "An agent cluster whose agent is Disconnected: since when; the observed state is the last one received",
        },
      ),
    ),
    observed: Type.Union([Json, Type.Null()]),
    resources: Type.Array(Json),
    /** Where players connect: game-server templates only (null otherwise, or without cluster access). */
    connection: Type.Optional(Type.Union([Json, Type.Null()])),
  },
  { $id: "StackDetail" },
);

/** A page of a listing: the next page is asked for with `cursor=nextCursor`. */
export function pageOf(ref: string): TSchema {
  return Type.Object({
    items: Type.Array(Type.Ref(ref)),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

/** A template version (`TemplateRecord`). */
export const TemplateSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.String(),
    description: Type.String(),
    baseName: Type.String(),
    baseVersion: Type.String(),
    paramSchema: Json,
    defaults: Json,
    guardrails: Type.Object({ immutable: Type.Array(Type.String()), adoptable: Type.Array(Type.String()) }),
    builtin: Type.Boolean(),
    createdAt: Time,
    createdBy: Type.String(),
  },
  { $id: "Template" },
);

/** One row of the history (`StackEvent`). */
export const EventSchema = Type.Object(
  {
    id: Type.Integer(),
    stackId: Type.Union([Type.String(), Type.Null()]),
    source: Type.String(),
    type: Type.String(),
    data: Json,
    actor: Type.String(),
    createdAt: Time,
  },
  { $id: "Event" },
);

/** A page of events: `nextBefore` (older) and `nextAfter` (newer) continue it. */
export const EventPageSchema = Type.Object(
  {
    items: Type.Array(Type.Ref("Event")),
    nextBefore: Type.Union([Type.Integer(), Type.Null()]),
    nextAfter: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: "EventPage" },
);

/** A cluster; its kubeconfig is never part of an answer. */
export const ClusterSchema = Type.Object(
  {
    id: Type.String({ description: "The cluster's name" }),
    name: Type.String(),
    description: Type.String(),
    hasKubeconfig: Type.Boolean(),
    mode: Type.Union([Type.Literal("direct"), Type.Literal("agent")]),
    connection: Type.Union([Type.Literal("Connected"), Type.Literal("Disconnected"), Type.Null()], {
      description:
        "Agent clusters: Connected while the agent was heard from in the last 20 s; null for direct clusters",
    }),
    agentJoined: Type.Boolean(),
    agentVersion: Type.Union([Type.String(), Type.Null()]),
    kubernetesVersion: Type.Union([Type.String(), Type.Null()]),
    lastSeen: Type.Union([Time, Type.Null()]),
    stackCount: Type.Integer(),
    joinToken: Type.Optional(
      Type.String({ description: "Only in the answer that registers an agent cluster" }),
    ),
    createdAt: Time,
    createdBy: Type.String(),
    observer: Type.Optional(
      Type.Union(
        [
          Type.Object({
            failures: Type.Integer({ description: "Failed observer passes since this replica started" }),
            lastFailure: Type.Union([
              Type.Null(),
              Type.Object({
                at: Time,
                stage: Type.Union([Type.Literal("read"), Type.Literal("write")]),
                error: Type.String(),
              }),
            ]),
            lastWriteAt: Type.Union([Type.Null(), Time]),
          }),
          Type.Null(),
        ],
        {
          description:
            "How the answering replica's cluster → database observer is doing (GET /api/v1/clusters only); null while it does not observe this cluster. A failed pass writes nothing and is retried.",
        },
      ),
    ),
  },
  { $id: "Cluster" },
);

/** A user and their role. */
export const UserSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    role: stringEnum(roles),
    createdAt: Time,
    createdBy: Type.String(),
  },
  { $id: "User" },
);

/** Every named schema, for the OpenAPI document's `components.schemas`. */
export const namedSchemas: readonly TSchema[] = [
  StackSchema,
  StackListItemSchema,
  StackDetailSchema,
  TemplateSchema,
  EventSchema,
  EventPageSchema,
  ClusterSchema,
  UserSchema,
];
