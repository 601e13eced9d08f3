import { Type, type Static } from "@sinclair/typebox";
import type { ResourceType } from "./resource-type.ts";
import type { KubeObject } from "./object.ts";
import { stringEnum } from "./string-enum.ts";

/** The API group of Stackwarden's own kinds. */
export const stackGroup = "stackwarden.dev";
/** The served and stored version of the `Stack` kind. */
export const stackVersion = "v1alpha1";
/** `stackwarden.dev/v1alpha1`. */
export const stackApiVersion = `${stackGroup}/${stackVersion}`;

/** How the operator addresses `Stack` objects: namespaced, plural `stacks`. */
export const stackResourceType: ResourceType = {
  group: stackGroup,
  version: stackVersion,
  kind: "Stack",
  plural: "stacks",
  namespaced: true,
};

const closed = { additionalProperties: false } as const;

/** A JSON pointer such as `/spec/replicas`. */
const JsonPointer = Type.String({
  pattern: "^(/[^/]*)+$",
  description: "A JSON pointer, e.g. /spec/replicas",
});

/** Schema of one field left alone: in objects of `kind` (and `name`), the value at `jsonPointer`. */
export const DriftIgnoreRuleSchema = Type.Object(
  {
    kind: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String({ minLength: 1 })),
    jsonPointer: JsonPointer,
  },
  closed,
);

/** A field left alone: in objects of `kind` (and `name`, when given), the value at `jsonPointer`. */
export type IgnoreRule = Static<typeof DriftIgnoreRuleSchema>;

/** The drift policies a stack may choose: restore what others change, or leave it. */
export const DriftPolicySchema = stringEnum(["enforce", "ignore"], { default: "enforce" });
/** `enforce` (restore and record) or `ignore`. */
export type DriftPolicy = Static<typeof DriftPolicySchema>;

/**
 * Schema of `Stack.spec`. `params` is free-form here (the CRD preserves it
 * unknown); the operator validates it against the template's own schema.
 */
export const StackSpecSchema = Type.Object(
  {
    template: Type.String({ minLength: 1, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" }),
    templateVersion: Type.Optional(Type.String({ minLength: 1 })),
    params: Type.Optional(
      Type.Object({}, { additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true }),
    ),
    paused: Type.Boolean({ default: false }),
    /** Game servers: Stopped scales the workloads to zero and keeps every volume. Absent means Running. */
    power: Type.Optional(stringEnum(["Running", "Stopped"])),
    /** Game servers: a change rolls the pods (the pod template's restart annotation). */
    restartedAt: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    drift: Type.Object(
      {
        policy: DriftPolicySchema,
        ignore: Type.Array(DriftIgnoreRuleSchema, { default: [] }),
      },
      { ...closed, default: {} },
    ),
    deletionPolicy: Type.Object(
      { volumes: stringEnum(["Retain", "Delete"], { default: "Retain" }) },
      { ...closed, default: {} },
    ),
  },
  closed,
);

/** The phases a stack moves through (architecture.md, Lifecycle). */
export const stackPhases = [
  "Pending",
  "Installing",
  "Ready",
  "Upgrading",
  "Failed",
  "Deleting",
  "Paused",
] as const;
/** One of {@link stackPhases}. */
export type StackPhase = (typeof stackPhases)[number];

/** Schema of one Kubernetes-style condition (a list-map entry keyed by `type`). */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    status: stringEnum(["True", "False", "Unknown"]),
    reason: Type.String(),
    message: Type.String(),
    lastTransitionTime: Type.String(),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  closed,
);

/** Schema of the status of one component of a stack. */
export const ComponentStatusSchema = Type.Object(
  {
    name: Type.String(),
    phase: Type.String(),
    ready: Type.Boolean(),
    message: Type.String(),
    progress: Type.Optional(Type.String()),
  },
  closed,
);

/** Schema of the operation under way (install, upgrade, rollback, delete). */
export const OperationSchema = Type.Object(
  {
    type: stringEnum(["Install", "Upgrade", "Rollback", "Delete"]),
    startedAt: Type.String(),
    component: Type.Optional(Type.String()),
    progress: Type.String({ description: 'Components done out of all, e.g. "3/5"' }),
    fromVersion: Type.Optional(Type.String()),
    toVersion: Type.Optional(Type.String()),
  },
  closed,
);

/** Schema of the last failure: what failed, when, and how often it was retried. */
export const FailureSchema = Type.Object(
  {
    time: Type.String(),
    reason: Type.String(),
    message: Type.String(),
    retryCount: Type.Integer({ minimum: 0 }),
  },
  closed,
);

/** Schema of the snapshot an upgrade rolls back to. */
export const LastKnownGoodSchema = Type.Object(
  {
    generation: Type.Integer({ minimum: 0 }),
    templateVersion: Type.String(),
    params: Type.Object({}, { additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true }),
    renderedHash: Type.String(),
  },
  closed,
);

/** Schema of one managed object the stack tracks, with its UID and health. */
export const TrackedResourceSchema = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    namespace: Type.Optional(Type.String()),
    uid: Type.String(),
    component: Type.String(),
    health: Type.String(),
    replicas: Type.Optional(Type.Integer({ minimum: 0, description: "Desired replicas of a workload" })),
    readyReplicas: Type.Optional(Type.Integer({ minimum: 0, description: "Ready replicas of a workload" })),
  },
  closed,
);

/** Who made an out-of-band change: a person (kubectl and its kin, or any deletion) or another controller. */
export const DriftWriterSchema = stringEnum(["Person", "Controller"]);
/** What happened to a managed object: a field we own was changed, or the object was deleted. */
export const DriftChangeSchema = stringEnum(["Modified", "Deleted"]);

/** Schema of one out-of-band change: which object, how, by which field manager. */
export const DriftRecordSchema = Type.Object(
  {
    time: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    change: DriftChangeSchema,
    by: DriftWriterSchema,
    manager: Type.String(),
    fields: Type.Array(Type.String()),
    uid: Type.Optional(Type.String({ description: "The UID of the deleted object" })),
  },
  closed,
);

/** Schema of an object another controller keeps changing back: the times we corrected it, and the backoff. */
export const DriftContestSchema = Type.Object(
  {
    kind: Type.String(),
    name: Type.String(),
    manager: Type.String(),
    corrections: Type.Array(Type.String(), { description: "When each recent correction was made" }),
    backoffUntil: Type.Optional(Type.String()),
  },
  closed,
);

/**
 * Schema of the drift record: changes found, corrections made, the last one, fights detected, the
 * changes found and not yet corrected, and the objects in a fight. All of it lives in status so a
 * restart or a leader change loses nothing.
 */
export const DriftStatusSchema = Type.Object(
  {
    detected: Type.Optional(Type.Integer({ minimum: 0 })),
    corrections: Type.Integer({ minimum: 0 }),
    lastCorrection: Type.Optional(DriftRecordSchema),
    fights: Type.Integer({ minimum: 0 }),
    pending: Type.Optional(Type.Array(DriftRecordSchema)),
    contested: Type.Optional(Type.Array(DriftContestSchema)),
  },
  closed,
);

/** The states of a rollout: installing, upgrading, rolling an upgrade back, rolled back, or stable. */
export const rolloutStates = ["Installing", "Upgrading", "RollingBack", "RolledBack", "Stable"] as const;

/**
 * Schema of `status.rollout`: the operation under way, from which generation to which, since when.
 * `startedAt` is set once when an operation starts and kept while it lasts. While rolling back,
 * `fromGeneration` is the failed generation and `toGeneration` the last known good one.
 */
export const RolloutSchema = Type.Object(
  {
    state: stringEnum(rolloutStates),
    fromGeneration: Type.Integer({ minimum: 0 }),
    toGeneration: Type.Integer({ minimum: 0 }),
    startedAt: Type.String(),
  },
  closed,
);

/** Schema of `Stack.status`; every field is optional because the operator fills it step by step. */
export const StackStatusSchema = Type.Object(
  {
    phase: Type.Optional(stringEnum(stackPhases)),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    components: Type.Optional(Type.Array(ComponentStatusSchema)),
    readyComponents: Type.Optional(Type.Integer({ minimum: 0 })),
    totalComponents: Type.Optional(Type.Integer({ minimum: 0 })),
    ready: Type.Optional(Type.String({ description: 'Ready components out of all, e.g. "2/3"' })),
    currentOperation: Type.Optional(OperationSchema),
    rollout: Type.Optional(RolloutSchema),
    lastFailure: Type.Optional(FailureSchema),
    lastKnownGood: Type.Optional(LastKnownGoodSchema),
    resources: Type.Optional(Type.Array(TrackedResourceSchema)),
    drift: Type.Optional(DriftStatusSchema),
    generatedSecrets: Type.Optional(Type.Array(Type.String())),
  },
  closed,
);

/** `Stack.spec` with its defaults applied (as the API server stores it). */
export type StackSpec = Static<typeof StackSpecSchema>;
/** `Stack.status`. */
export type StackStatus = Static<typeof StackStatusSchema>;
/** One condition in `status.conditions`. */
export type StackCondition = Static<typeof ConditionSchema>;
/** One entry of `status.components`. */
export type ComponentStatus = Static<typeof ComponentStatusSchema>;
/** One entry of `status.resources`. */
export type TrackedResource = Static<typeof TrackedResourceSchema>;
/** `status.currentOperation`. */
export type StackOperation = Static<typeof OperationSchema>;
/** `status.lastFailure`. */
export type StackFailure = Static<typeof FailureSchema>;
/** `status.lastKnownGood`. */
export type LastKnownGood = Static<typeof LastKnownGoodSchema>;
/** `status.drift`. */
export type DriftStatus = Static<typeof DriftStatusSchema>;
/** One out-of-band change in `status.drift`. */
export type DriftRecord = Static<typeof DriftRecordSchema>;
/** One object in a drift fight, in `status.drift.contested`. */
export type DriftContest = Static<typeof DriftContestSchema>;
/** `status.rollout`. */
export type RolloutStatus = Static<typeof RolloutSchema>;
/** One of {@link rolloutStates}. */
export type RolloutState = (typeof rolloutStates)[number];

/** A `Stack` custom resource. */
export type Stack = KubeObject & { readonly spec: StackSpec; readonly status?: StackStatus };
